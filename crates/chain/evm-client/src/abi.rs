//! ABI bindings of the contracts the Rust side deploys or calls, generated from the artifacts
//! committed in `contracts/artifacts/` (ABI, creation and runtime bytecode; `scripts/evm-test`
//! checks they match the sources). Each contract is in a module of its own: their ABIs share
//! type names (`CommitteeVerifier.Updated`).

#![allow(missing_docs, clippy::too_many_arguments)]

/// The artifacts, included so that the compiler tracks them: `sol!` reads them but does not make
/// the crate depend on them, so a rebuilt artifact would otherwise leave stale bindings.
const _ARTIFACTS: &[&[u8]] = &[
    include_bytes!("../../../../contracts/artifacts/StraitEndpoint.json"),
    include_bytes!("../../../../contracts/artifacts/StraitGuardians.json"),
    include_bytes!("../../../../contracts/artifacts/StraitFees.json"),
    include_bytes!("../../../../contracts/artifacts/EcdsaCommitteeVerifier.json"),
    include_bytes!("../../../../contracts/artifacts/BlsCommitteeVerifier.json"),
    include_bytes!("../../../../contracts/artifacts/StraitCounter.json"),
    include_bytes!("../../../../contracts/artifacts/StraitTokenApp.json"),
    include_bytes!("../../../../contracts/artifacts/StraitVoucher.json"),
    include_bytes!("../../../../contracts/artifacts/StraitDevToken.json"),
    include_bytes!("../../../../contracts/artifacts/RouteSecurity.json"),
    include_bytes!("../../../../contracts/artifacts/OptimisticVerifier.json"),
    include_bytes!("../../../../contracts/artifacts/NativeLightClient.json"),
];

/// The endpoint (`src/StraitEndpoint.sol`).
pub mod endpoint {
    alloy::sol!(
        #[sol(rpc)]
        StraitEndpoint,
        "../../../contracts/artifacts/StraitEndpoint.json"
    );
}

/// The m-of-n guardians holding the endpoint's pause switches (`src/StraitGuardians.sol`).
pub mod guardians {
    alloy::sol!(
        #[sol(rpc)]
        StraitGuardians,
        "../../../contracts/artifacts/StraitGuardians.json"
    );
}

/// Message fees (`src/StraitFees.sol`).
pub mod fees {
    alloy::sol!(
        #[sol(rpc)]
        StraitFees,
        "../../../contracts/artifacts/StraitFees.json"
    );
}

/// The ECDSA attester committee verifier, kind 2 (`src/attest/EcdsaCommitteeVerifier.sol`).
pub mod ecdsa_committee {
    alloy::sol!(
        #[sol(rpc)]
        EcdsaCommitteeVerifier,
        "../../../contracts/artifacts/EcdsaCommitteeVerifier.json"
    );
}

/// The BLS attester committee verifier, kind 4 (`src/attest/BlsCommitteeVerifier.sol`).
pub mod bls_committee {
    alloy::sol!(
        #[sol(rpc)]
        BlsCommitteeVerifier,
        "../../../contracts/artifacts/BlsCommitteeVerifier.json"
    );
}

/// The devnet's counter application (`src/app/StraitCounter.sol`).
pub mod counter {
    alloy::sol!(
        #[sol(rpc)]
        StraitCounter,
        "../../../contracts/artifacts/StraitCounter.json"
    );
}

/// The token transfer application (`src/app/token/StraitTokenApp.sol`, SPEC §9).
pub mod token_app {
    alloy::sol!(
        #[sol(rpc)]
        StraitTokenApp,
        "../../../contracts/artifacts/StraitTokenApp.json"
    );
}

/// A voucher ERC-20 the token application creates (`src/app/token/StraitVoucher.sol`).
pub mod voucher {
    alloy::sol!(
        #[sol(rpc)]
        StraitVoucher,
        "../../../contracts/artifacts/StraitVoucher.json"
    );
}

/// The devnet's fixed-supply ERC-20, registered as an EVM chain's own token
/// (`src/app/token/StraitDevToken.sol`).
pub mod dev_token {
    alloy::sol!(
        #[sol(rpc)]
        StraitDevToken,
        "../../../contracts/artifacts/StraitDevToken.json"
    );
}

/// Per-route security: required verifiers, k of the optional ones and a finality depth, as a
/// verifier composed of verifiers (`src/route/RouteSecurity.sol`, SPEC `[STRAIT-ROUTE.EVM]`).
pub mod route_security {
    alloy::sol!(
        #[sol(rpc)]
        RouteSecurity,
        "../../../contracts/artifacts/RouteSecurity.json"
    );
}

/// The optimistic verifier, kind 6 on the devnet: bonded proposals, a dispute window, conflicts
/// against a reference verifier (`src/optimistic/OptimisticVerifier.sol`, SPEC `[STRAIT-OPT.EVM]`).
pub mod optimistic {
    alloy::sol!(
        #[sol(rpc)]
        OptimisticVerifier,
        "../../../contracts/artifacts/OptimisticVerifier.json"
    );
}

/// The light client of the native chain in BLS mode, kind 5 (`src/lc/NativeLightClient.sol`, SPEC
/// `[STRAIT-LC-BLS.EVM]`).
pub mod native_lc {
    alloy::sol!(
        #[sol(rpc)]
        NativeLightClient,
        "../../../contracts/artifacts/NativeLightClient.json"
    );
}

/// A committee's `verifyAndCallPacked()` calldata (`[STRAIT-ATTEST.EVM]`, ADR 0034): the
/// selector, then `target [20] | update length u16 | update | data`, not ABI-encoded.
pub mod packed {
    use alloy::primitives::Address;
    use alloy::sol_types::SolCall;

    use super::ecdsa_committee::EcdsaCommitteeVerifier::verifyAndCallPackedCall;

    /// Bytes before the update: the selector, the target and the update's length.
    const HEAD_LEN: usize = 4 + 20 + 2;

    /// The calldata of `verifyAndCallPacked()` for `update`, `target` and `data`; `None` for an
    /// update longer than a u16 counts (its ABI form, `verifyAndCall`, takes any).
    pub fn verify_and_call(update: &[u8], target: Address, data: &[u8]) -> Option<Vec<u8>> {
        let len = u16::try_from(update.len()).ok()?;
        let mut out = Vec::with_capacity(HEAD_LEN + update.len() + data.len());
        out.extend_from_slice(&verifyAndCallPackedCall::SELECTOR);
        out.extend_from_slice(target.as_slice());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(update);
        out.extend_from_slice(data);
        Some(out)
    }

    /// The update, target and data of `verifyAndCallPacked()` calldata; `None` for other
    /// calldata or calldata cut short (what the verifier refuses as `Malformed`).
    pub fn split(input: &[u8]) -> Option<(&[u8], Address, &[u8])> {
        if input.len() < HEAD_LEN || input[..4] != verifyAndCallPackedCall::SELECTOR {
            return None;
        }
        let target = Address::from_slice(&input[4..24]);
        let end = HEAD_LEN + usize::from(u16::from_be_bytes([input[24], input[25]]));
        let update = input.get(HEAD_LEN..end)?;
        Some((update, target, &input[end..]))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_parts_come_back_from_the_calldata() {
            let target = Address::repeat_byte(0x11);
            let input = verify_and_call(&[1, 2, 3], target, &[9, 8]).unwrap();
            assert_eq!(input.len(), HEAD_LEN + 5);
            assert_eq!(&input[24..26], &[0, 3]);
            assert_eq!(
                split(&input),
                Some((&[1u8, 2, 3][..], target, &[9u8, 8][..]))
            );
            let empty = verify_and_call(&[], target, &[]).unwrap();
            assert_eq!(split(&empty), Some((&[][..], target, &[][..])));
        }

        #[test]
        fn the_update_length_is_bounded_by_a_u16() {
            let target = Address::ZERO;
            let at = vec![7u8; usize::from(u16::MAX)];
            let input = verify_and_call(&at, target, &[1]).unwrap();
            assert_eq!(
                split(&input).map(|(u, _, d)| (u.len(), d)),
                Some((at.len(), &[1u8][..]))
            );
            assert_eq!(
                verify_and_call(&vec![7u8; usize::from(u16::MAX) + 1], target, &[]),
                None
            );
        }

        #[test]
        fn short_or_foreign_calldata_is_not_split() {
            let input = verify_and_call(&[1, 2, 3], Address::ZERO, &[]).unwrap();
            for cut in 0..input.len() {
                assert_eq!(split(&input[..cut]), None, "cut at {cut}");
            }
            let mut foreign = input.clone();
            foreign[0] ^= 1;
            assert_eq!(split(&foreign), None);
        }
    }
}
