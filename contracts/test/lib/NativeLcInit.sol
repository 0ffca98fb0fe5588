// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {NativeLightClient} from "../../src/lc/NativeLightClient.sol";

/// Kind 5's creation bytes as the EVM client takes them ([STRAIT-LC-BLS.EVM] rule 1): the
/// constructor's `init` (the set without its proofs of possession) and the proofs, admitted in
/// chunks of at most `MAX_CHUNK`.
library NativeLcInit {
    uint256 internal constant AT_SET = 32 + 112;
    uint256 internal constant ENTRY_LEN = 296;
    uint256 internal constant POP_LEN = 192;
    uint256 internal constant MAX_CHUNK = 40;

    /// Kind 5's `init` (options | summary | `n u32 | n × (key | proof | power)`) as the
    /// constructor's (`n u32 | n × (key | power)`) and the `n` proofs, concatenated.
    function split(bytes memory kind5) internal pure returns (bytes memory init, bytes memory proofs) {
        uint256 n = uint32(bytes4(part(kind5, AT_SET, 4)));
        init = bytes.concat(part(kind5, 0, AT_SET + 4));
        proofs = new bytes(n * POP_LEN);
        for (uint256 i = 0; i < n; ++i) {
            uint256 e = AT_SET + 4 + i * ENTRY_LEN;
            init = bytes.concat(init, part(kind5, e, 96), part(kind5, e + 288, 8));
            bytes memory pop = part(kind5, e + 96, POP_LEN);
            for (uint256 k = 0; k < POP_LEN; ++k) {
                proofs[i * POP_LEN + k] = pop[k];
            }
        }
    }

    /// `admitSetChunk`'s argument: the proofs of validators `first .. first + m`.
    function chunk(bytes memory proofs, uint256 first, uint256 m) internal pure returns (bytes memory) {
        return bytes.concat(abi.encodePacked(uint32(first)), part(proofs, first * POP_LEN, m * POP_LEN));
    }

    /// A client of `chain` created from kind 5's `init`, its proofs admitted `MAX_CHUNK` at a time.
    function create(uint64 chain, bytes memory kind5) internal returns (NativeLightClient c) {
        (bytes memory init, bytes memory proofs) = split(kind5);
        c = new NativeLightClient(chain, init);
        admitAll(c, proofs);
    }

    /// Admits every proof, `MAX_CHUNK` per call.
    function admitAll(NativeLightClient c, bytes memory proofs) internal {
        uint256 n = proofs.length / POP_LEN;
        for (uint256 first = 0; first < n; first += MAX_CHUNK) {
            uint256 m = n - first < MAX_CHUNK ? n - first : MAX_CHUNK;
            c.admitSetChunk(chunk(proofs, first, m));
        }
    }

    function part(bytes memory b, uint256 from, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        assembly ("memory-safe") {
            mcopy(add(out, 32), add(add(b, 32), from), len)
        }
    }
}
