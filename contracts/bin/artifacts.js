// Writes (or, with --check, compares) contracts/artifacts/<Name>.json for each deployable contract:
// its ABI, creation and runtime bytecode, from forge's build in contracts/out. These files are
// committed so that the Rust side (the EVM adapter, the devnet's deployments) builds without
// node or forge; scripts/evm-test checks that they match the sources. Run by scripts/evm-test.
"use strict";
const fs = require("fs");
const path = require("path");

// The contracts the Rust side deploys or calls.
const CONTRACTS = {
    StraitEndpoint: "src/StraitEndpoint.sol",
    StraitGuardians: "src/StraitGuardians.sol",
    StraitFees: "src/StraitFees.sol",
    EcdsaCommitteeVerifier: "src/attest/EcdsaCommitteeVerifier.sol",
    BlsCommitteeVerifier: "src/attest/BlsCommitteeVerifier.sol",
    StraitCounter: "src/app/StraitCounter.sol",
    StraitTokenApp: "src/app/token/StraitTokenApp.sol",
    StraitVoucher: "src/app/token/StraitVoucher.sol",
    StraitDevToken: "src/app/token/StraitDevToken.sol",
    RouteSecurity: "src/route/RouteSecurity.sol",
    OptimisticVerifier: "src/optimistic/OptimisticVerifier.sol",
    NativeLightClient: "src/lc/NativeLightClient.sol",
};

const root = path.join(__dirname, "..");
const check = process.argv.includes("--check");
let stale = [];
for (const [name, source] of Object.entries(CONTRACTS)) {
    const built = JSON.parse(fs.readFileSync(path.join(root, "out", `${name}.sol`, `${name}.json`), "utf8"));
    const artifact = {
        contractName: name,
        source,
        abi: built.abi,
        bytecode: built.bytecode.object,
        deployedBytecode: built.deployedBytecode.object,
    };
    const text = JSON.stringify(artifact, null, 2) + "\n";
    const file = path.join(root, "artifacts", `${name}.json`);
    if (check) {
        const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        if (committed !== text) stale.push(`contracts/artifacts/${name}.json`);
    } else {
        fs.writeFileSync(file, text);
    }
}
if (stale.length > 0) {
    console.error(`stale artifacts (the sources changed): ${stale.join(", ")}`);
    console.error("regenerate with: STRAIT_UPDATE_EVM=1 scripts/evm-test, and commit the diff");
    process.exit(1);
}
