use proptest::prelude::*;

use super::*;

fn sample() -> Packet {
    Packet {
        nonce: Nonce(7),
        source_chain: ChainId(1),
        sender: Address32([0x11; 32]),
        destination_chain: ChainId(2),
        receiver: Address32([0x22; 32]),
        options: DeliveryOptions {
            ordered: true,
            timeout_height: Some(Height(100)),
            timeout_timestamp: None,
        },
        payload: b"hello".to_vec(),
    }
}

fn arb_packet() -> impl Strategy<Value = Packet> {
    (
        1u64..,
        any::<u64>(),
        any::<[u8; 32]>(),
        any::<u64>(),
        any::<[u8; 32]>(),
        any::<bool>(),
        any::<u64>(),
        any::<u64>(),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(
            |(nonce, src, sender, dst, receiver, ordered, th, tt, payload)| Packet {
                nonce: Nonce(nonce),
                source_chain: ChainId(src),
                sender: Address32(sender),
                destination_chain: ChainId(dst),
                receiver: Address32(receiver),
                options: DeliveryOptions {
                    ordered,
                    timeout_height: (th != 0).then_some(Height(th)),
                    timeout_timestamp: (tt != 0).then_some(Timestamp(tt)),
                },
                payload,
            },
        )
}

#[test]
fn header_is_fixed_length() {
    let p = sample();
    let bytes = p.encode();
    assert_eq!(bytes.len(), HEADER_LEN + 5);
    assert_eq!(bytes[0], VERSION);
    assert_eq!(&bytes[1..9], &7u64.to_be_bytes());
    assert_eq!(bytes[89], FLAG_ORDERED);
    assert_eq!(&bytes[106..110], &5u32.to_be_bytes());
}

#[test]
fn every_truncation_is_rejected() {
    let bytes = sample().encode();
    for len in 0..bytes.len() {
        let err = Packet::decode(&bytes[..len]).unwrap_err();
        assert!(
            matches!(err, PacketError::Decode(DecodeError::Truncated { .. })),
            "{len}: {err}"
        );
    }
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut bytes = sample().encode();
    bytes.push(0);
    assert_eq!(
        Packet::decode(&bytes),
        Err(PacketError::Decode(DecodeError::TrailingBytes { extra: 1 }))
    );
}

#[test]
fn oversize_payload_is_rejected_before_allocation() {
    let mut bytes = sample().encode();
    bytes[106..110].copy_from_slice(&(MAX_PAYLOAD_LEN as u32 + 1).to_be_bytes());
    assert!(matches!(
        Packet::decode(&bytes),
        Err(PacketError::Decode(DecodeError::TooLarge {
            what: "payload length",
            ..
        }))
    ));
    let mut big = sample();
    big.payload = vec![0; MAX_PAYLOAD_LEN + 1];
    assert!(matches!(
        big.validate(),
        Err(PacketError::PayloadTooLarge { .. })
    ));
}

#[test]
fn maximum_payload_round_trips() {
    let mut p = sample();
    p.payload = vec![0xa5; MAX_PAYLOAD_LEN];
    assert_eq!(Packet::decode(&p.encode()).unwrap(), p);
}

#[test]
fn unknown_version_flags_and_zero_nonce_are_rejected() {
    let good = sample().encode();
    let mut bytes = good.clone();
    bytes[0] = 2;
    assert_eq!(
        Packet::decode(&bytes),
        Err(PacketError::Decode(DecodeError::UnsupportedVersion {
            got: 2,
            expected: 1
        }))
    );
    let mut bytes = good.clone();
    bytes[89] = 0x02;
    assert_eq!(
        Packet::decode(&bytes),
        Err(PacketError::UnknownFlags { flags: 2 })
    );
    let mut bytes = good;
    bytes[1..9].copy_from_slice(&[0; 8]);
    assert_eq!(Packet::decode(&bytes), Err(PacketError::ZeroNonce));
    // A packet built in memory with nonce 0 is refused the same way: the endpoint validates
    // before it computes `nonce - 1` for ordering.
    let built = Packet {
        nonce: Nonce(0),
        ..sample()
    };
    assert_eq!(built.validate(), Err(PacketError::ZeroNonce));
}

#[test]
fn id_commits_to_every_byte() {
    let bytes = sample().encode();
    let id = Packet::id_of_encoding(&bytes);
    for i in 0..bytes.len() {
        let mut tampered = bytes.clone();
        tampered[i] ^= 1;
        assert_ne!(Packet::id_of_encoding(&tampered), id, "byte {i}");
    }
}

#[test]
fn timeouts_are_reached_at_equality() {
    let opts = DeliveryOptions {
        ordered: false,
        timeout_height: Some(Height(10)),
        timeout_timestamp: Some(Timestamp(1_000)),
    };
    assert!(!opts.is_timed_out(Height(9), Timestamp(999)));
    assert!(opts.is_timed_out(Height(10), Timestamp(0)));
    assert!(opts.is_timed_out(Height(0), Timestamp(1_000)));
    assert!(!DeliveryOptions::default().is_timed_out(Height(u64::MAX), Timestamp(u64::MAX)));
}

proptest! {
    #[test]
    fn round_trip(p in arb_packet()) {
        let bytes = p.encode();
        prop_assert_eq!(bytes.len(), p.encoded_len());
        let back = Packet::decode(&bytes).unwrap();
        prop_assert_eq!(back.id(), p.id());
        prop_assert_eq!(back, p);
    }

    /// Fuzz target: arbitrary bytes never panic the decoder, and whatever decodes re-encodes to the
    /// same bytes (the encoding is canonical).
    #[test]
    fn decode_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(p) = Packet::decode(&bytes) {
            prop_assert_eq!(p.encode(), bytes);
        }
    }

    /// Fuzz target: arbitrary mutations of a valid encoding never panic and stay canonical.
    #[test]
    fn decode_mutated(p in arb_packet(), idx in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = p.encode();
        let i = idx.index(bytes.len());
        bytes[i] = byte;
        if let Ok(q) = Packet::decode(&bytes) {
            prop_assert_eq!(q.encode(), bytes);
        }
    }
}
