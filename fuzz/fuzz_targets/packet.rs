//! `Packet::decode` on untrusted bytes: whatever decodes is canonical, valid, and has stable ids.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strait_fuzz::assert_canonical;
use strait_packet::Packet;

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = Packet::decode(data) else {
        return;
    };
    assert_canonical(data, &packet.encode(), "packet");
    assert_eq!(packet.validate(), Ok(()), "a decoded packet is valid");
    assert_eq!(packet.id(), Packet::id_of_encoding(data));
    packet.route().id();
});
