//! The verifier registry: a second, trivial kind registered beside the BFT light client, a client
//! of it following the same source, and a receiver routed to it by its own choice.

use strait_devnet_api::keys::AccountKey;
use strait_devnet_api::rpc::{DeliveryStatus, TxFailure, TxResult};
use strait_devnet_api::tx::{ClientUpdate, TxBody};
use strait_light_client::Signer;
use strait_node::extensions::Extensions;
use strait_primitives::{Address32, ChainId, ClientId, Hash32, Height, Reader, Timestamp};
use strait_sim::fixtures::ChoosingVault;

use super::support::TwoChains;
use strait_verifier::{
    ClientRead, ClientStatus, ClientStore, Updated, Verifier, VerifierError, VerifierKind,
};

const ATTESTED: VerifierKind = VerifierKind(0x7e57);
const DOMAIN: &[u8] = b"strait-test/attested-root/v1";
const VAULT: Address32 = Address32([0x77; 32]);

/// A test kind: the source outbox root at a height, signed by one key fixed at creation.
struct AttestedRoot;

fn attestation(source: ChainId, height: Height, root: &Hash32) -> Vec<u8> {
    [
        DOMAIN,
        &source.to_be_bytes(),
        &height.to_be_bytes(),
        &root.0,
    ]
    .concat()
}

fn refused(name: &'static str, reason: &str) -> VerifierError {
    VerifierError::Refused {
        kind: ATTESTED,
        name,
        reason: reason.into(),
        transient: false,
    }
}

fn read<'a>(store: &'a dyn ClientRead, key: &[u8]) -> Result<&'a [u8], VerifierError> {
    store
        .get(key)
        .ok_or_else(|| refused("Missing", "no stored state"))
}

impl Verifier for AttestedRoot {
    fn kind(&self) -> VerifierKind {
        ATTESTED
    }
    fn name(&self) -> &'static str {
        "attested-root"
    }
    fn create(
        &self,
        store: &mut dyn ClientStore,
        source: ChainId,
        init: &[u8],
    ) -> Result<Height, VerifierError> {
        let key: [u8; 32] = init
            .try_into()
            .map_err(|_| refused("BadInit", "a 32-byte key"))?;
        store.put(b"key", key.to_vec());
        store.put(b"source", source.to_be_bytes().to_vec());
        store.put(b"latest", 0u64.to_be_bytes().to_vec());
        Ok(Height(0))
    }
    fn create_cost(&self, _: &[u8]) -> Result<usize, VerifierError> {
        Ok(0)
    }
    fn update_cost(&self, _: &[u8]) -> Result<usize, VerifierError> {
        Ok(1)
    }
    fn misbehaviour_cost(&self, _: &[u8]) -> Result<usize, VerifierError> {
        Ok(0)
    }
    fn update(
        &self,
        store: &mut dyn ClientStore,
        update: &[u8],
        _: Timestamp,
    ) -> Result<Updated, VerifierError> {
        let mut r = Reader::new(update);
        let malformed = |_| refused("Malformed", "height | root | signature");
        let height = Height(r.u64().map_err(malformed)?);
        let root = Hash32(r.array().map_err(malformed)?);
        let signature: [u8; 64] = r.array().map_err(malformed)?;
        r.finish().map_err(malformed)?;
        let key: [u8; 32] = read(store, b"key")?.try_into().unwrap();
        let source = ChainId(u64::from_be_bytes(
            read(store, b"source")?.try_into().unwrap(),
        ));
        strait_light_client::ed25519::verify(&key, &attestation(source, height, &root), &signature)
            .map_err(|_| refused("BadSignature", "not signed by the client's key"))?;
        let mut at = b"root".to_vec();
        at.extend_from_slice(&height.to_be_bytes());
        store.put(&at, root.0.to_vec());
        let latest = u64::from_be_bytes(read(store, b"latest")?.try_into().unwrap());
        store.put(b"latest", latest.max(height.get()).to_be_bytes().to_vec());
        Ok(Updated::Verified { height, root })
    }
    fn submit_misbehaviour(
        &self,
        _: &mut dyn ClientStore,
        _: &[u8],
        _: Timestamp,
    ) -> Result<(), VerifierError> {
        Err(refused("NotMisbehaviour", "this kind has no misbehaviour"))
    }
    fn freeze(&self, _: &mut dyn ClientStore, _: &[u8]) -> Result<(), VerifierError> {
        Ok(())
    }
    fn status(&self, _: &dyn ClientRead) -> Result<ClientStatus, VerifierError> {
        Ok(ClientStatus::Active)
    }
    fn latest_height(&self, store: &dyn ClientRead) -> Result<Height, VerifierError> {
        Ok(Height(u64::from_be_bytes(
            read(store, b"latest")?.try_into().unwrap(),
        )))
    }
    fn verified_root(
        &self,
        store: &dyn ClientRead,
        height: Height,
    ) -> Result<Option<Hash32>, VerifierError> {
        let mut at = b"root".to_vec();
        at.extend_from_slice(&height.to_be_bytes());
        Ok(store.get(&at).map(|raw| Hash32(raw.try_into().unwrap())))
    }
}

/// The chains, the destination running the devnet's kinds, the attested-root kind and the vault.
fn net() -> TwoChains {
    let mut ext = Extensions::devnet();
    ext.verifiers.register(Box::new(AttestedRoot)).unwrap();
    ext.apps
        .register(VAULT, Box::new(ChoosingVault::new("vault", ChainId(1))))
        .unwrap();
    TwoChains::new(ext)
}

#[test]
fn a_second_kind_follows_the_same_source_and_serves_the_receivers_that_choose_it() {
    let mut net = net();
    let relayer = AccountKey::devnet("relayer");
    let attester = Signer::from_seed([0xa7; 32]);
    let bft = net.dest.verifier_of(ChainId(1)).unwrap().client;

    // Anyone creates a client of the new kind following chain 1, beside the default BFT client.
    let created = net.on_dest(
        &relayer,
        TxBody::CreateClient {
            kind: ATTESTED,
            source: ChainId(1),
            init: attester.public_key().0.to_vec(),
        },
    );
    assert!(created.success, "{created:?}");
    let attested = created.client_id.unwrap();
    assert_ne!(attested, bft);
    assert_eq!(net.dest.verifier(attested).unwrap().source, ChainId(1));
    // A kind the chain does not run is refused.
    let unknown = net.on_dest(
        &relayer,
        TxBody::CreateClient {
            kind: VerifierKind(999),
            source: ChainId(1),
            init: vec![],
        },
    );
    assert!(!unknown.success);
    assert!(unknown.error.unwrap().contains("unknown verifier kind 999"));

    // The vault routes messages from chain 1 to the new client; the counter keeps the default.
    let chose = net.on_dest(
        &relayer,
        TxBody::AppCall {
            app: VAULT,
            data: attested.to_be_bytes().to_vec(),
        },
    );
    assert!(chose.success, "{chose:?}");

    net.send(strait_devnet_api::apps::counter(), b"hi");
    net.send(VAULT, b"hi");
    let batch = net.batch();
    let (vault_id, counter_id) = (batch.packets[1].id(), batch.packets[0].id());
    let height = batch.proof_height;
    let header = net.source.light_block(height).unwrap();
    let root = header.header().outbox_root;

    // The BFT client verifies the header: the counter's message executes; the vault's does not,
    // its client has verified nothing at that height.
    let bft_trusted = net.dest.verifier(bft).unwrap().latest_height;
    let relay = net.on_dest(
        &relayer,
        TxBody::Relay {
            updates: vec![ClientUpdate::bft(bft, bft_trusted, &header)],
            advances: vec![],
            batches: vec![batch.clone()],
        },
    );
    assert!(relay.success, "{relay:?}");
    let status = |r: &TxResult, id| r.deliveries.iter().find(|d| d.id == id).unwrap().status;
    assert_eq!(status(&relay, counter_id), DeliveryStatus::Executed);
    assert_eq!(status(&relay, vault_id), DeliveryStatus::Retry);

    // An update naming the wrong kind is refused before any work, and so is a forged attestation.
    let wrong_kind = net.on_dest(
        &relayer,
        TxBody::Relay {
            updates: vec![ClientUpdate::bft(attested, Height(0), &header)],
            advances: vec![],
            batches: vec![],
        },
    );
    assert_eq!(wrong_kind.failure, Some(TxFailure::UpdateInvalid));
    assert!(wrong_kind
        .error
        .unwrap()
        .contains("the request is for kind 1"));
    let sign = |signer: &Signer| {
        let mut body = height.to_be_bytes().to_vec();
        body.extend_from_slice(&root.0);
        body.extend_from_slice(&signer.sign(&attestation(ChainId(1), height, &root)));
        ClientUpdate {
            client: attested,
            kind: ATTESTED,
            body,
        }
    };
    let forged = net.on_dest(
        &relayer,
        TxBody::Relay {
            updates: vec![sign(&Signer::from_seed([0xbb; 32]))],
            advances: vec![],
            batches: vec![batch.clone()],
        },
    );
    assert!(!forged.success);
    assert!(forged
        .error
        .unwrap()
        .contains("not signed by the client's key"));

    // The attester's root: the vault's message executes under its own client.
    let attested_relay = net.on_dest(
        &relayer,
        TxBody::Relay {
            updates: vec![sign(&attester)],
            advances: vec![],
            batches: vec![batch],
        },
    );
    assert!(attested_relay.success, "{attested_relay:?}");
    assert_eq!(status(&attested_relay, vault_id), DeliveryStatus::Executed);
    assert_eq!(
        status(&attested_relay, counter_id),
        DeliveryStatus::AlreadyReceived
    );
    assert_eq!(net.dest.verifier(attested).unwrap().latest_height, height);

    // A receiver cannot choose a client of another chain, nor one that does not exist.
    let of_chain_3 = net.on_dest(
        &relayer,
        TxBody::CreateClient {
            kind: ATTESTED,
            source: ChainId(3),
            init: attester.public_key().0.to_vec(),
        },
    );
    let of_chain_3 = of_chain_3.client_id.unwrap();
    for (client, why) in [
        (ClientId(77), "unknown client 77".to_string()),
        (
            of_chain_3,
            format!("client {of_chain_3} follows chain 3, not 1"),
        ),
    ] {
        let refused = net.on_dest(
            &relayer,
            TxBody::AppCall {
                app: VAULT,
                data: client.to_be_bytes().to_vec(),
            },
        );
        assert!(!refused.success);
        let error = refused.error.unwrap();
        assert!(error.contains(&why), "{error}");
    }
    // A client cannot follow its own chain.
    let own = net.on_dest(
        &relayer,
        TxBody::CreateClient {
            kind: ATTESTED,
            source: ChainId(2),
            init: attester.public_key().0.to_vec(),
        },
    );
    assert!(own.error.unwrap().contains("cannot follow its own chain 2"));
}
