// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// The leaf and node hashes of the Strait message tree ([STRAIT-MERKLE.1]) and its zero hashes
/// ([STRAIT-MERKLE.2]): `leaf(id) = keccak256(0x00 || id)`, `node(l, r) = keccak256(0x01 || l || r)`,
/// `zero[0]` = 32 zero bytes, `zero[h + 1] = node(zero[h], zero[h])`. The constants are checked
/// against that definition and the vectors by `test/MerkleTree.t.sol`.
library MerkleHash {
    /// Depth of the tree; capacity 2^32 leaves.
    uint256 internal constant DEPTH = 32;

    bytes32 internal constant Z0 = 0x0000000000000000000000000000000000000000000000000000000000000000;
    bytes32 internal constant Z1 = 0xc07a1e8b7e0057673fdc2affe190d8a960c5fe615663f27b7ce84f3d93ef92a6;
    bytes32 internal constant Z2 = 0xfd47517474a597637d54038a0663d1d03b931b238de06b73e3c12cf443de6e8d;
    bytes32 internal constant Z3 = 0x47a8f5e8fa70be2760378067c9c6d410dd96be07820b4230c11254c7ff10c298;
    bytes32 internal constant Z4 = 0xaed19ca4bfe2365b1b33fa94744cd0c6a2d550506c7e7efc073879cb79459b9a;
    bytes32 internal constant Z5 = 0x6e6998a7da8b2db5c98eb853099d8caec63797b5283b7dac37b2ffb630a86e24;
    bytes32 internal constant Z6 = 0x181c19735bff23b55bc295fc0b60c1c5c7288209b261a08e26924598ce72404e;
    bytes32 internal constant Z7 = 0xecb408b290ab2920e63611ef1e8ca964aebb66ea5739f19d24b92094f28e44f8;
    bytes32 internal constant Z8 = 0x294bf9785e1391d24d52abf915636a73bdaa12ed29e85e21dae14c09d0f2e34b;
    bytes32 internal constant Z9 = 0xcf7e37a934683edec795e3529db8fac0863519c2419ba24c0f6e4efa86ec7d1a;
    bytes32 internal constant Z10 = 0x72ce48cca9bc743fed84a0bdc00ad2c5b540323849c982f671a9bd8d52d15719;
    bytes32 internal constant Z11 = 0x0e2d7d0b695fdcd9dc6c54313ae652218375c3358d34ade3dcc49dda05c0db10;
    bytes32 internal constant Z12 = 0xa0a786a71d24007a23f5ce21e6997a305baeefaf348937a8b74974cb039c10c8;
    bytes32 internal constant Z13 = 0x0628cb6496193e6a55ece4a8240384e142273eeb9cc4bdae680f971fd1929f10;
    bytes32 internal constant Z14 = 0x2c3b833a3ca9d6f02055871655dd18f003a279f84a334bf6050899a9bc1cedc3;
    bytes32 internal constant Z15 = 0x1a6c5e9fd899efca64c2aca6243434b423d791f92a839c0c92ce0a5a51a07234;
    bytes32 internal constant Z16 = 0xa9942b0fabdf9bf32241f8245eb26737ffbd91822ac484ae857fc35d21fb652f;
    bytes32 internal constant Z17 = 0x7e4206a110a8721cc68455c35400b056251398dfcf98b04aeee19549bfd2122f;
    bytes32 internal constant Z18 = 0xbfb429bfebb3aa270012d8063896d205bfd8ce116e4a304335bd59e9471f9fcc;
    bytes32 internal constant Z19 = 0xe22fa8fff28cfb1f3664382ced6d3f1d634ef2851c10b1dce18c57c957985bf9;
    bytes32 internal constant Z20 = 0xd29bf231e30afb5cd1bc01d214e905c60c87533bf967a94877b3843bb0bdef5d;
    bytes32 internal constant Z21 = 0x146d57f70bcb580465116619359a35ece364f17e8d56524b5eee8bf6b8ebfdf6;
    bytes32 internal constant Z22 = 0xcdbc0759e847f96beb000c3cc51e30f8b2ccac5dcc5c409fea938a3345f8b603;
    bytes32 internal constant Z23 = 0x86e4b0792326c35995f1563b0d8f99fc38b0348a356e149c04b2783d5bd4cfb8;
    bytes32 internal constant Z24 = 0x45965170d4d5afdbc7dd54ef3beb044e3a61bdc1a96a4d31beaaee6b75a3f063;
    bytes32 internal constant Z25 = 0xb4603e46f0de988e62ff27b69f4d393a18f5ed31ea265fee69e73dc4eeddc902;
    bytes32 internal constant Z26 = 0xb394b29ffe4175348b892c892e0eee5e565c83ebbe247de17cd9bf999d75d2b7;
    bytes32 internal constant Z27 = 0xad44e31db4754e01afbb20b8aceb34ce5ef195a9701a7115326091c4fedb5a44;
    bytes32 internal constant Z28 = 0x0bf2ca8aa236c35d3e7bd0ba97c8e772194462c90b5bb6caea4774e4100e95ef;
    bytes32 internal constant Z29 = 0xde0aa4f414066517b910862d802e616c418bf24150940c3b74b46e6a4e84b15a;
    bytes32 internal constant Z30 = 0x5368cf00e43190f04a959a2bfd87d648b02bb4494a00b755c1198da350e04cdb;
    bytes32 internal constant Z31 = 0x223c1c9f16dfa65bdc98bd2ff419b6f1c47596c3f1eed71c5a3d3c2a3c33f99b;
    bytes32 internal constant Z32 = 0x7c1d0e8a93ea9c09cc13b91ead8f72de66a33cb695c30934dc2d75bffac1248e;

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

    /// `zero[0..31]`, the roots of the empty subtrees of height 0 to 31.
    function zeroHashes() internal pure returns (bytes32[32] memory) {
        return [
            Z0,
            Z1,
            Z2,
            Z3,
            Z4,
            Z5,
            Z6,
            Z7,
            Z8,
            Z9,
            Z10,
            Z11,
            Z12,
            Z13,
            Z14,
            Z15,
            Z16,
            Z17,
            Z18,
            Z19,
            Z20,
            Z21,
            Z22,
            Z23,
            Z24,
            Z25,
            Z26,
            Z27,
            Z28,
            Z29,
            Z30,
            Z31
        ];
    }
}
