// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// The leaf and node hashes of the Strait message tree ([STRAIT-MERKLE.1]), its zero hashes and
/// root hash ([STRAIT-MERKLE.2]): `leaf(id) = keccak256(0x00 || id)`, `node(l, r) = keccak256(0x01
/// || l || r)`, `zero[0]` = 32 zero bytes, `zero[h + 1] = node(zero[h], zero[h])`, and the root of a
/// tree of height `k` with top node `top`, `keccak256(0x02 || u8(k) || top)`. The table
/// `ZERO_TABLE` (`zero[0..31]`) and `EMPTY_ROOT` are checked against that definition and the
/// vectors by `test/MerkleTree.t.sol`.
library MerkleHash {
    /// Depth of the tree; capacity 2^32 leaves.
    uint256 internal constant DEPTH = 32;

    /// The root of the empty tree: `root(0, zero[0])`.
    bytes32 internal constant EMPTY_ROOT = 0xb22753c8bc051c5aa044766a80b8e9fb316f25174b6912903600cf0fa9a8dbdb;

    /// `keccak256(0x00 || id)`: 33 bytes hashed in scratch space.
    function leaf(bytes32 id) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore8(0x00, 0x00)
            mstore(0x01, id)
            h := keccak256(0x00, 33)
        }
    }

    /// `keccak256(0x01 || left || right)`: 65 bytes hashed just past the free memory pointer, which
    /// is left as it was (the bytes there are unallocated scratch).
    function node(bytes32 left, bytes32 right) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0x01)
            mstore(add(p, 1), left)
            mstore(add(p, 33), right)
            h := keccak256(p, 65)
        }
    }

    /// The height of the tree of `size` leaves: the least `k` with `2^k >= size` (0 for 0 and 1).
    function height(uint256 size) internal pure returns (uint256 k) {
        if (size <= 1) return 0;
        uint256 x = size - 1;
        assembly ("memory-safe") {
            for {} x {} {
                k := add(k, 1)
                x := shr(1, x)
            }
        }
    }

    /// `keccak256(0x02 || u8(k) || top)`: the root of a tree of height `k <= 32` whose node at
    /// `(k, 0)` is `top`, 34 bytes hashed in scratch space.
    function root(uint256 k, bytes32 top) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x02, top)
            mstore8(0x00, 0x02)
            mstore8(0x01, k)
            h := keccak256(0x00, 34)
        }
    }

    /// `zero[0..31]`, 32 bytes each: one table in the code, which `zeroTable` copies to memory
    /// (one CODECOPY, cheaper than 32 pushes in gas and in code size).
    bytes internal constant ZERO_TABLE = hex"0000000000000000000000000000000000000000000000000000000000000000"
        hex"c07a1e8b7e0057673fdc2affe190d8a960c5fe615663f27b7ce84f3d93ef92a6"
        hex"fd47517474a597637d54038a0663d1d03b931b238de06b73e3c12cf443de6e8d"
        hex"47a8f5e8fa70be2760378067c9c6d410dd96be07820b4230c11254c7ff10c298"
        hex"aed19ca4bfe2365b1b33fa94744cd0c6a2d550506c7e7efc073879cb79459b9a"
        hex"6e6998a7da8b2db5c98eb853099d8caec63797b5283b7dac37b2ffb630a86e24"
        hex"181c19735bff23b55bc295fc0b60c1c5c7288209b261a08e26924598ce72404e"
        hex"ecb408b290ab2920e63611ef1e8ca964aebb66ea5739f19d24b92094f28e44f8"
        hex"294bf9785e1391d24d52abf915636a73bdaa12ed29e85e21dae14c09d0f2e34b"
        hex"cf7e37a934683edec795e3529db8fac0863519c2419ba24c0f6e4efa86ec7d1a"
        hex"72ce48cca9bc743fed84a0bdc00ad2c5b540323849c982f671a9bd8d52d15719"
        hex"0e2d7d0b695fdcd9dc6c54313ae652218375c3358d34ade3dcc49dda05c0db10"
        hex"a0a786a71d24007a23f5ce21e6997a305baeefaf348937a8b74974cb039c10c8"
        hex"0628cb6496193e6a55ece4a8240384e142273eeb9cc4bdae680f971fd1929f10"
        hex"2c3b833a3ca9d6f02055871655dd18f003a279f84a334bf6050899a9bc1cedc3"
        hex"1a6c5e9fd899efca64c2aca6243434b423d791f92a839c0c92ce0a5a51a07234"
        hex"a9942b0fabdf9bf32241f8245eb26737ffbd91822ac484ae857fc35d21fb652f"
        hex"7e4206a110a8721cc68455c35400b056251398dfcf98b04aeee19549bfd2122f"
        hex"bfb429bfebb3aa270012d8063896d205bfd8ce116e4a304335bd59e9471f9fcc"
        hex"e22fa8fff28cfb1f3664382ced6d3f1d634ef2851c10b1dce18c57c957985bf9"
        hex"d29bf231e30afb5cd1bc01d214e905c60c87533bf967a94877b3843bb0bdef5d"
        hex"146d57f70bcb580465116619359a35ece364f17e8d56524b5eee8bf6b8ebfdf6"
        hex"cdbc0759e847f96beb000c3cc51e30f8b2ccac5dcc5c409fea938a3345f8b603"
        hex"86e4b0792326c35995f1563b0d8f99fc38b0348a356e149c04b2783d5bd4cfb8"
        hex"45965170d4d5afdbc7dd54ef3beb044e3a61bdc1a96a4d31beaaee6b75a3f063"
        hex"b4603e46f0de988e62ff27b69f4d393a18f5ed31ea265fee69e73dc4eeddc902"
        hex"b394b29ffe4175348b892c892e0eee5e565c83ebbe247de17cd9bf999d75d2b7"
        hex"ad44e31db4754e01afbb20b8aceb34ce5ef195a9701a7115326091c4fedb5a44"
        hex"0bf2ca8aa236c35d3e7bd0ba97c8e772194462c90b5bb6caea4774e4100e95ef"
        hex"de0aa4f414066517b910862d802e616c418bf24150940c3b74b46e6a4e84b15a"
        hex"5368cf00e43190f04a959a2bfd87d648b02bb4494a00b755c1198da350e04cdb"
        hex"223c1c9f16dfa65bdc98bd2ff419b6f1c47596c3f1eed71c5a3d3c2a3c33f99b";

    /// `ZERO_TABLE` in memory: `zero[h]` is the word at `add(table, add(32, shl(5, h)))`.
    function zeroTable() internal pure returns (bytes memory) {
        return ZERO_TABLE;
    }

    /// `zero[0..31]`, the roots of the empty subtrees of height 0 to 31.
    function zeroHashes() internal pure returns (bytes32[32] memory zero) {
        bytes memory table = ZERO_TABLE;
        assembly ("memory-safe") {
            mcopy(zero, add(table, 32), 1024)
        }
    }
}
