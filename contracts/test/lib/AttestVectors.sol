// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {VectorTest} from "./Vectors.sol";
import {CommitteeVerifier} from "../../src/attest/CommitteeVerifier.sol";
import "../../src/Errors.sol";

/// A committee verifier against docs/vectors/attest.json (the Rust kinds' vectors).
abstract contract AttestVectorTest is VectorTest {
    /// The kind's key in attest.json.
    function kindKey() internal pure virtual returns (string memory);

    /// A client of chain 1 trusting `init`.
    function make(bytes memory init) internal virtual returns (CommitteeVerifier);

    string internal json;

    function setUp() public {
        json = vectors("attest.json");
    }

    function fresh() internal returns (CommitteeVerifier) {
        return make(vm.parseJsonBytes(json, string.concat(kindKey(), ".committee_wire")));
    }

    function create(bytes calldata c) external returns (address) {
        return address(make(c));
    }

    function test_committee_id() public {
        CommitteeVerifier v = fresh();
        vm.assertEq(
            v.committeeId(),
            vm.parseJsonBytes32(json, string.concat(kindKey(), ".committee_id")),
            "committee id"
        );
        vm.assertEq(v.threshold(), 3, "threshold");
        vm.assertEq(v.size(), 4, "size");
    }

    /// Applies `update` to `v` and checks the case's result at `key`.
    function check(CommitteeVerifier v, bytes memory u, string memory key, string memory label) internal {
        (bool ok, bytes memory ret) = address(v).call(abi.encodeCall(v.update, (u)));
        string memory result = string.concat(key, ".result");
        if (vm.keyExistsJson(json, string.concat(result, ".error"))) {
            assertOutcome(ok, ret, vm.parseJsonString(json, string.concat(result, ".error")), label);
        } else if (vm.keyExistsJson(json, string.concat(result, ".verified"))) {
            vm.assertTrue(ok, string.concat(label, ": expected verified"));
            uint64 h = uint64(vm.parseJsonUint(json, string.concat(result, ".verified.height")));
            (, bool frozen, bytes32 root) = v.rootAt(h);
            vm.assertTrue(!frozen, label);
            vm.assertEq(root, vm.parseJsonBytes32(json, string.concat(result, ".verified.root")), label);
            vm.assertEq(v.latestHeight(), h, label);
        } else if (vm.keyExistsJson(json, string.concat(result, ".rotated"))) {
            vm.assertTrue(ok, string.concat(label, ": expected rotated"));
            vm.assertEq(v.epoch(), vm.parseJsonUint(json, string.concat(result, ".rotated")), label);
        } else {
            revert(string.concat(label, ": unknown result"));
        }
    }

    function test_updates() public {
        string memory k = string.concat(kindKey(), ".updates");
        uint256 n = count(json, k);
        for (uint256 i = 0; i < n; ++i) {
            string memory key = item(k, i);
            check(
                fresh(),
                vm.parseJsonBytes(json, string.concat(key, ".update")),
                key,
                vm.parseJsonString(json, string.concat(key, ".name"))
            );
        }
    }

    function test_duplicate_changes_nothing() public {
        CommitteeVerifier v = fresh();
        bytes memory u = vm.parseJsonBytes(json, string.concat(kindKey(), ".updates[0].update"));
        vm.assertEq(uint256(v.update(u)), uint256(CommitteeVerifier.Updated.Verified), "first");
        vm.assertEq(uint256(v.update(u)), uint256(CommitteeVerifier.Updated.Duplicate), "again");
    }

    function test_rotation() public {
        CommitteeVerifier v = fresh();
        string memory k = string.concat(kindKey(), ".rotation");
        check(v, vm.parseJsonBytes(json, string.concat(k, ".update")), k, "rotation");
        string memory a = string.concat(k, ".then_new_committee_epoch_1");
        check(v, vm.parseJsonBytes(json, string.concat(a, ".update")), a, "new committee");
        string memory b = string.concat(k, ".then_old_quorum_update");
        CommitteeVerifier w = fresh();
        w.update(vm.parseJsonBytes(json, string.concat(k, ".update")));
        check(w, vm.parseJsonBytes(json, string.concat(b, ".update")), b, "old quorum");
        vm.assertEq(w.size(), 5, "next size");
    }

    function test_evidence() public {
        string memory k = string.concat(kindKey(), ".evidence");
        uint256 n = count(json, k);
        for (uint256 i = 0; i < n; ++i) {
            string memory key = item(k, i);
            string memory label = vm.parseJsonString(json, string.concat(key, ".name"));
            CommitteeVerifier v = fresh();
            bytes memory e = vm.parseJsonBytes(json, string.concat(key, ".evidence"));
            (bool ok, bytes memory ret) = address(v).call(abi.encodeCall(v.submitMisbehaviour, (e)));
            if (vm.keyExistsJson(json, string.concat(key, ".result.error"))) {
                assertOutcome(ok, ret, vm.parseJsonString(json, string.concat(key, ".result.error")), label);
                vm.assertTrue(!v.frozen(), label);
            } else {
                vm.assertEq(vm.parseJsonString(json, string.concat(key, ".result")), "Frozen", label);
                vm.assertTrue(ok, string.concat(label, ": expected freeze"));
                vm.assertTrue(v.frozen(), label);
                // A frozen client refuses updates and evidence.
                (ok, ret) = address(v).call(abi.encodeCall(v.submitMisbehaviour, (e)));
                assertOutcome(ok, ret, "Frozen", label);
                (ok, ret) = address(v)
                    .call(
                        abi.encodeCall(
                            v.update,
                            (vm.parseJsonBytes(json, string.concat(kindKey(), ".updates[0].update")))
                        )
                    );
                assertOutcome(ok, ret, "Frozen", label);
            }
        }
    }
}
