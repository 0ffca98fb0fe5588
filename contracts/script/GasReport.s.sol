// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {deployEndpoint} from "../test/lib/Deploy.sol";
import {NativeLcSigner} from "../test/lib/NativeLcSigner.sol";
import {TreeBuilder} from "../test/lib/Tree.sol";
import {TestVerifier, NoopApp} from "../test/lib/Fixtures.sol";
import {StraitEndpoint} from "../src/StraitEndpoint.sol";
import {DeliveryOptions} from "../src/EndpointBase.sol";
import {Packet, PacketCodec} from "../src/Packet.sol";
import {MerkleHash} from "../src/MerkleHash.sol";
import {CommitteeVerifier} from "../src/attest/CommitteeVerifier.sol";
import {EcdsaCommitteeVerifier} from "../src/attest/EcdsaCommitteeVerifier.sol";
import {BlsCommitteeVerifier} from "../src/attest/BlsCommitteeVerifier.sol";
import {NativeLightClient} from "../src/lc/NativeLightClient.sol";
import {OptimisticVerifier} from "../src/optimistic/OptimisticVerifier.sol";

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
/// them, the transactions to measure, in the order they must be sent (the shell script sends each
/// as its own transaction and reads its receipt). Per kind, the messages of one route from its
/// source chain (nonces 1 to 129, 8-byte payloads) are certified in one source outbox, and
/// delivered in three steps: a batch of 64 (the route's first: fresh bitmap word, fresh outcome
/// route; a warm-up, reported but not judged), one message (nonce 65), a batch of 64 (nonces 66
/// to 129). A step is one transaction that proves the root and delivers (a committee's
/// `verifyAndCall`, the native light client's `verifyAndCallCompact` with a header signed by its
/// validators), or, for the optimistic verifier, three (`propose` with its bond, `settle` once the
/// dispute window has passed, the delivery) and a wait; the test verifier's roots are set in the
/// deployment: it measures the endpoint alone.
///
/// A new verifier kind is a new branch of `deploy` and `prove`, and a line in `kinds`: `deploy`
/// broadcasts it trusting `source`, `prove` appends the transactions that prove a checkpoint
/// (root, leaf count, height) and deliver (or proves it in the deployment and appends the
/// delivery).
contract GasReport is NativeLcSigner, TreeBuilder {
    /// Marks a forge script: `forge build --sizes` leaves it out (it is never deployed).
    bool public IS_SCRIPT = true;

    ScriptVm internal constant svm = ScriptVm(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// anvil's first account: a public development key, for a local node only.
    uint256 internal constant KEY = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;
    /// Messages per kind: a warm-up batch, one message, a measured batch.
    uint256 internal constant N = 129;
    uint256 internal constant BATCH = 64;
    bytes32 internal constant SOURCE_APP = bytes32(uint256(0x5e4de7));
    /// The native light client's validators (equal power) and how many sign each header (the
    /// fewest holding more than two thirds, as the BLS committee's 67).
    uint256 internal constant LC_VALIDATORS = 100;
    uint256 internal constant LC_SIGNERS = 67;
    /// The height the native light client is created at; the checkpoints follow it.
    uint64 internal constant LC_HEIGHT = 1000;
    /// The optimistic verifier's dispute window (ms) and bond (wei), as test/OptimisticGas.t.sol.
    uint64 internal constant WINDOW_MS = 600_000;
    uint128 internal constant BOND = 1 ether;
    /// The chain the destination's own 64 messages go to (never delivered).
    uint64 internal constant PREFILL_CHAIN = 999;

    enum Kind {
        Test,
        Ecdsa6of10,
        Bls67of100,
        NativeLc,
        Optimistic
    }

    StraitEndpoint internal endpoint;
    bytes32 internal receiver;
    uint256[] internal ecdsaSk;
    uint256[] internal blsSk;
    /// The native light client's trusted time (ms) at `LC_HEIGHT`.
    uint64 internal lcTime;

    /// The transactions to send, in order, each `kind|what|part#target#value#calldata;` (value in
    /// wei; a target `wait` is a wait of `value` seconds, anvil's time travel), the parts of one
    /// `kind|what` summed. forge prints a returned string's control characters escaped.
    string internal transactions;

    function kinds() internal pure returns (Kind[] memory k, string[] memory names) {
        k = new Kind[](5);
        names = new string[](5);
        (k[0], names[0]) = (Kind.Test, "test verifier (no proof: the endpoint alone)");
        (k[1], names[1]) = (Kind.Ecdsa6of10, "ecdsa 6 of 10, 6 signatures");
        (k[2], names[2]) = (Kind.Bls67of100, "bls 67 of 100, 67 signers");
        (k[3], names[3]) = (Kind.NativeLc, "native light client, 100 validators, 67 signers");
        (k[4], names[4]) = (Kind.Optimistic, "optimistic, propose + settle + delivery");
    }

    function run() external returns (string memory) {
        (Kind[] memory k, string[] memory names) = kinds();
        svm.startBroadcast(KEY);
        endpoint = deployEndpoint(vm.addr(KEY), vm.addr(KEY));
        receiver = bytes32(uint256(uint160(address(new NoopApp()))));
        // A destination that has sent before: 64 messages fill its outbox's branch slots of heights
        // 0 to 6, as any endpoint's after its first 64 sends, so that the outcome messages measured
        // below write slots that exist (5,000 gas) and not, depending on where each lands, a fresh
        // one (22,100): a one-time cost per height over an endpoint's life, not a delivery's.
        endpoint.setRemoteChain(PREFILL_CHAIN, true);
        DeliveryOptions memory none;
        for (uint256 i = 0; i < 64; ++i) {
            endpoint.send(PREFILL_CHAIN, receiver, none, "");
        }
        for (uint256 i = 0; i < k.length; ++i) {
            uint64 source = uint64(1_000 + i);
            endpoint.setRemoteChain(source, true);
            address v = deploy(k[i], source);
            endpoint.setDefaultVerifier(source, v);
            measure(k[i], v, source, names[i]);
        }
        svm.stopBroadcast();
        return transactions;
    }

    function deploy(Kind k, uint64 source) internal returns (address) {
        if (k == Kind.Test) return address(new TestVerifier(source));
        if (k == Kind.Ecdsa6of10) {
            ecdsaSk = ecdsaKeys(0x5354524149540000, 10);
            return address(new EcdsaCommitteeVerifier(source, ecdsaCommittee(ecdsaSk, 6)));
        }
        if (k == Kind.Optimistic) {
            // The reference verifier proves a proposal wrong; none is disputed here, so a test
            // verifier stands in for the source's light client.
            address referenceVerifier = address(new TestVerifier(source));
            bytes memory config = abi.encodePacked(WINDOW_MS, BOND, uint16(0), uint16(0));
            return address(new OptimisticVerifier(source, referenceVerifier, vm.addr(KEY), config));
        }
        svm.stopBroadcast();
        if (k == Kind.NativeLc) {
            // The set (keys, proofs of possession) is built off chain; the constructor registers
            // the set (its keys and powers as code, its aggregate key), so the compact updates
            // below can name it by hash, and three `admitSetChunk` transactions (40, 40, 20
            // proofs) check its proofs, each under EIP-7825's transaction cap.
            buildSet(LC_VALIDATORS);
            // The trusted time: a round time before now (the same on every run of a node whose
            // genesis is a round time, so are the headers' signatures and calldata gas).
            lcTime = uint64((block.timestamp / 100_000 * 100_000 - 100_000) * 1000);
            svm.startBroadcast(KEY);
            return address(newClient(source, LC_HEIGHT, lcTime));
        }
        (uint256[] memory keys, bytes[] memory wires) = blsKeys(0x5354524149540000, 100);
        blsSk = keys;
        bytes memory init = blsCommittee(keys, wires, 67);
        svm.startBroadcast(KEY);
        return address(new BlsCommitteeVerifier(source, init));
    }

    /// The height of step `step`'s checkpoint (each step proves its own).
    function heightOf(Kind k, uint64 step) internal pure returns (uint64) {
        return (k == Kind.NativeLc ? LC_HEIGHT : 0) + step + 1;
    }

    /// Appends the transactions that prove the checkpoint of `source` (`root` of `N` leaves at
    /// `h`) and deliver `data` to the endpoint, labelled `label`.
    function prove(
        Kind k,
        address v,
        uint64 source,
        bytes32 root,
        uint64 h,
        bytes memory data,
        string memory label
    ) internal {
        if (k == Kind.Test) {
            TestVerifier(v).setRoot(h, root);
            return append(label, "delivery", address(endpoint), 0, data);
        }
        if (k == Kind.NativeLc) {
            // A header at `h`, 100 s after the previous one, from the creation's trusted state:
            // `verifyAndCallCompact` keeps its root for this transaction only, so every step
            // verifies from the creation height (a skipping update costs as an adjacent one).
            uint64 time = lcTime + (h - LC_HEIGHT) * 100_000;
            bytes memory u = compact(signedUpdate(source, LC_HEIGHT, h, time, root, LC_SIGNERS));
            bytes memory call =
                abi.encodeCall(NativeLightClient.verifyAndCallCompact, (u, address(endpoint), data));
            return append(label, "verifyAndCallCompact", v, 0, call);
        }
        if (k == Kind.Optimistic) {
            bytes memory proposal = abi.encodePacked(h, root, uint64(N));
            append(label, "propose", v, BOND, abi.encodeCall(OptimisticVerifier.propose, (proposal)));
            // The dispute window passes (anvil's time travel, then a block).
            transactions =
                string.concat(transactions, label, "|wait#wait#", vm.toString(WINDOW_MS / 1000), "#;");
            append(label, "settle", v, 0, abi.encodeCall(OptimisticVerifier.settle, (h)));
            return append(label, "delivery", address(endpoint), 0, data);
        }
        CommitteeVerifier c = CommitteeVerifier(v);
        bytes memory cp = abi.encodePacked(source, root, uint64(N), h);
        bytes memory message = abi.encodePacked("STRAIT/ATTEST/CHECKPOINT/v1", c.committeeId(), c.epoch(), cp);
        bytes memory cert =
            k == Kind.Ecdsa6of10 ? ecdsaCertificate(ecdsaSk, 6, message) : blsCertificate(blsSk, 67, message);
        bytes memory update = bytes.concat(hex"01", cp, cert);
        append(
            label,
            "verifyAndCallPacked",
            v,
            0,
            abi.encodePacked(
                c.verifyAndCallPacked.selector, address(endpoint), uint16(update.length), update, data
            )
        );
    }

    /// Appends a transaction of `part` of the step `label` (`kind|what`): `call` to `target` with
    /// `value` wei.
    function append(string memory label, string memory part, address target, uint256 value, bytes memory call)
        internal
    {
        transactions = string.concat(
            transactions,
            label,
            "|",
            part,
            "#",
            svm.toString(target),
            "#",
            vm.toString(value),
            "#",
            svm.toString(call),
            ";"
        );
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
        bytes32 root = naiveRoot(levels);
        string[3] memory what = ["batch of 64, first of the route", "one message", "batch of 64"];
        for (uint64 step = 0; step < 3; ++step) {
            uint64 h = heightOf(k, step);
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
            prove(k, v, source, root, h, data, string.concat(name, "|", what[step]));
        }
    }
}
