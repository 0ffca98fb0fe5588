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
