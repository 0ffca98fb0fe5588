// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {Committees} from "../test/lib/Committees.sol";
import {TreeBuilder} from "../test/lib/Tree.sol";
import {TestVerifier, NoopApp} from "../test/lib/Fixtures.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {MerkleHash} from "../src/MerkleHash.sol";
import {CommitteeVerifier} from "../src/attest/CommitteeVerifier.sol";
import {EcdsaCommitteeVerifier} from "../src/attest/EcdsaCommitteeVerifier.sol";
import {BlsCommitteeVerifier} from "../src/attest/BlsCommitteeVerifier.sol";

/// The broadcasting cheatcodes of a forge script (forge's own signatures).
interface ScriptVm {
    function startBroadcast(uint256 privateKey) external;
    function stopBroadcast() external;
    function toString(address value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
}

/// Issue 10's gas report, the deployments (scripts/evm-gas-report runs it against a fresh anvil):
/// broadcasts an endpoint, a receiving application that does nothing (`NoopApp`) and, per
/// verifier kind, the verifier trusted for its own source chain; then returns, without sending
/// them, the deliveries to measure, in the order they must be sent (the shell script sends each
/// as its own transaction and reads its receipt). Per kind, the messages of one route from its
/// source chain (nonces 1 to 129, 8-byte payloads) are certified in one source outbox, and
/// delivered in three transactions: a batch of 64 (the route's first: fresh bitmap word, fresh
/// outcome route; a warm-up, reported but not judged), one message (nonce 65), a batch of 64
/// (nonces 66 to 129). Each delivery carries its own proof of the root (a committee certificate
/// through `verifyAndCall`, one transaction), except the test verifier's, whose roots are set in
/// the deployment: it measures the endpoint alone.
///
/// A new verifier kind (the native light client, the optimistic verifier) is a new branch of
/// `deploy` and `wrap`, and a line in `kinds`: `deploy` broadcasts it trusting `source`, `wrap`
/// turns a delivery's calldata under checkpoint (root, leaf count, height) into the transaction
/// that proves the root and delivers (or proves it in the deployment and returns the delivery).
contract GasReport is Committees, TreeBuilder {
    /// Marks a forge script: `forge build --sizes` leaves it out (it is never deployed).
    bool public IS_SCRIPT = true;

    ScriptVm internal constant svm = ScriptVm(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// anvil's first account: a public development key, for a local node only.
    uint256 internal constant KEY = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
    /// Messages per kind: a warm-up batch, one message, a measured batch.
    uint256 internal constant N = 129;
    uint256 internal constant BATCH = 64;
    bytes32 internal constant SOURCE_APP = bytes32(uint256(0x5e4de7));

    enum Kind {
        Test,
        Ecdsa6of10,
        Bls67of100
    }

    StraitEndpoint internal endpoint;
    bytes32 internal receiver;
    uint256[] internal ecdsaSk;
    uint256[] internal blsSk;

    /// The deliveries to send, in order, each `kind|what#target#calldata;` (forge prints a returned
    /// string's control characters escaped).
    string internal deliveries;

    function kinds() internal pure returns (Kind[] memory k, string[] memory names) {
        k = new Kind[](3);
        names = new string[](3);
        (k[0], names[0]) = (Kind.Test, "test verifier (no proof: the endpoint alone)");
        (k[1], names[1]) = (Kind.Ecdsa6of10, "ecdsa 6 of 10, 6 signatures");
        (k[2], names[2]) = (Kind.Bls67of100, "bls 67 of 100, 67 signers");
    }

    function run() external returns (string memory) {
        (Kind[] memory k, string[] memory names) = kinds();
        svm.startBroadcast(KEY);
        endpoint = new StraitEndpoint(vm.addr(KEY));
        receiver = bytes32(uint256(uint160(address(new NoopApp()))));
        for (uint256 i = 0; i < k.length; ++i) {
            uint64 source = uint64(1_000 + i);
            endpoint.setRemoteChain(source, true);
            address v = deploy(k[i], source);
            endpoint.setDefaultVerifier(source, v);
            measure(k[i], v, source, names[i]);
        }
        svm.stopBroadcast();
        return deliveries;
    }

    function deploy(Kind k, uint64 source) internal returns (address) {
        if (k == Kind.Test) return address(new TestVerifier(source));
        if (k == Kind.Ecdsa6of10) {
            ecdsaSk = ecdsaKeys(0x5354524149540000, 10);
            return address(new EcdsaCommitteeVerifier(source, ecdsaCommittee(ecdsaSk, 6)));
        }
        svm.stopBroadcast();
        (uint256[] memory sk, bytes[] memory wires) = blsKeys(0x5354524149540000, 100);
        blsSk = sk;
        bytes memory init = blsCommittee(sk, wires, 67);
        svm.startBroadcast(KEY);
        return address(new BlsCommitteeVerifier(source, init));
    }

    /// The transaction delivering `data` to the endpoint under the checkpoint `cp` at `h`.
    function wrap(Kind k, address v, bytes memory cp, bytes32 root, uint64 h, bytes memory data)
        internal
        returns (address, bytes memory)
    {
        if (k == Kind.Test) {
            TestVerifier(v).setRoot(h, root);
            return (address(endpoint), data);
        }
        CommitteeVerifier c = CommitteeVerifier(v);
        bytes memory message = abi.encodePacked("STRAIT/ATTEST/CHECKPOINT/v1", c.committeeId(), c.epoch(), cp);
        bytes memory cert =
            k == Kind.Ecdsa6of10 ? ecdsaCertificate(ecdsaSk, 6, message) : blsCertificate(blsSk, 67, message);
        return
            (v, abi.encodeCall(c.verifyAndCall, (bytes.concat(hex"01", cp, cert), address(endpoint), data)));
    }

    function measure(Kind k, address v, uint64 source, string memory name) internal {
        bytes[] memory packets = new bytes[](N);
        bytes32[] memory leaves = new bytes32[](N);
        for (uint256 i = 0; i < N; ++i) {
            Packet memory p;
            p.nonce = uint64(i + 1);
            p.sourceChain = source;
            p.sender = SOURCE_APP;
            p.destinationChain = uint64(block.chainid);
            p.receiver = receiver;
            p.payload = abi.encodePacked(uint64(i));
            packets[i] = PacketCodec.encode(p);
            leaves[i] = MerkleHash.leaf(PacketCodec.messageId(packets[i]));
        }
        bytes32[][] memory levels = naiveLevels(leaves);
        bytes32 root = levels[32][0];
        string[3] memory what = ["batch of 64, first of the route", "one message", "batch of 64"];
        for (uint64 step = 0; step < 3; ++step) {
            uint64 h = step + 1;
            bytes memory data;
            if (step == 1) {
                data = abi.encodeCall(
                    endpoint.receiveMessage, (packets[BATCH], inclusionProof(levels, BATCH), h)
                );
            } else {
                uint256 from = step == 0 ? 0 : BATCH + 1;
                bytes[] memory batch = new bytes[](BATCH);
                uint256[] memory indices = new uint256[](BATCH);
                for (uint256 i = 0; i < BATCH; ++i) {
                    batch[i] = packets[from + i];
                    indices[i] = from + i;
                }
                data = abi.encodeCall(endpoint.receiveBatch, (batch, multiproof(levels, indices), h));
            }
            (address target, bytes memory call) =
                wrap(k, v, abi.encodePacked(source, root, uint64(N), h), root, h, data);
            deliveries = string.concat(
                deliveries, name, "|", what[step], "#", svm.toString(target), "#", svm.toString(call), ";"
            );
        }
    }
}
