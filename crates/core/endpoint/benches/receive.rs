//! `cargo bench -p strait-endpoint`: the destination's cost per message, single and batched.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use strait_endpoint::testkit::InMemoryHost;
use strait_endpoint::{
    receive, receive_batch, send, validate_receive, BatchDelivery, Delivery, SendRequest,
};
use strait_merkle::LeafIndex;
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, ClientId, Height};

const RECEIVER: Address32 = Address32([0xc0; 32]);

fn source(n: usize) -> (InMemoryHost, Vec<(Packet, LeafIndex)>) {
    let mut a = InMemoryHost::new(ChainId(1));
    a.connect(ChainId(2), ClientId(1));
    let sent = (0..n)
        .map(|i| {
            let s = send(
                &mut a,
                SendRequest {
                    sender: Address32([0xaa; 32]),
                    destination_chain: ChainId(2),
                    receiver: RECEIVER,
                    options: DeliveryOptions::default(),
                    payload: vec![i as u8; 256],
                },
            )
            .unwrap();
            (s.packet, s.leaf_index)
        })
        .collect();
    (a, sent)
}

fn destination(a: &InMemoryHost) -> InMemoryHost {
    let mut b = InMemoryHost::new(ChainId(2));
    b.connect(ChainId(1), ClientId(7));
    b.record_verified_root(ClientId(7), Height(1), a.outbox.root());
    b.install_app(
        RECEIVER,
        Box::new(|p: &Packet| Ok(p.nonce.to_be_bytes().to_vec())),
    );
    b
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("endpoint");
    let (a, sent) = source(1024);
    let delivery = Delivery {
        packet: sent[500].0.clone(),
        proof: a.outbox.proof(sent[500].1, a.outbox.count()).unwrap(),
        proof_height: Height(1),
    };
    let b = destination(&a);
    g.bench_function("validate_receive/payload=256", |bench| {
        bench.iter(|| validate_receive(&b, &delivery).unwrap())
    });
    g.bench_function("receive/payload=256", |bench| {
        bench.iter_batched_ref(
            || destination(&a),
            |b| receive(b, &delivery).unwrap(),
            BatchSize::SmallInput,
        )
    });
    for n in [64usize, 256, 1024] {
        let indices: Vec<LeafIndex> = sent[..n].iter().map(|(_, i)| *i).collect();
        let batch = BatchDelivery {
            packets: sent[..n].iter().map(|(p, _)| p.clone()).collect(),
            proof: a.outbox.multiproof(&indices, a.outbox.count()).unwrap(),
            proof_height: Height(1),
        };
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(
            BenchmarkId::new("receive_batch", format!("messages={n}")),
            &batch,
            |bench, batch| {
                bench.iter_batched_ref(
                    || destination(&a),
                    |b| receive_batch(b, batch).unwrap(),
                    BatchSize::LargeInput,
                )
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
