//! `cargo bench -p strait-packet`: encode, decode and id hashing.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use strait_packet::{DeliveryOptions, Packet};
use strait_primitives::{Address32, ChainId, Nonce};

fn packet(len: usize) -> Packet {
    Packet {
        nonce: Nonce(42),
        source_chain: ChainId(1),
        sender: Address32([1; 32]),
        destination_chain: ChainId(2),
        receiver: Address32([2; 32]),
        options: DeliveryOptions::default(),
        payload: vec![0xab; len],
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("packet");
    for len in [32usize, 1024, 64 * 1024] {
        let p = packet(len);
        let bytes = p.encode();
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("encode", format!("payload={len}")),
            &p,
            |b, p| b.iter(|| p.encode()),
        );
        g.bench_with_input(
            BenchmarkId::new("decode", format!("payload={len}")),
            &bytes,
            |b, x| b.iter(|| Packet::decode(x).unwrap()),
        );
        g.bench_with_input(
            BenchmarkId::new("id", format!("payload={len}")),
            &bytes,
            |b, x| b.iter(|| Packet::id_of_encoding(x)),
        );
        g.bench_with_input(
            BenchmarkId::new("decode_and_id", format!("payload={len}")),
            &bytes,
            |b, x| b.iter(|| (Packet::decode(x).unwrap(), Packet::id_of_encoding(x))),
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
