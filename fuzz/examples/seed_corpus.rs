//! Rewrites `fuzz/seeds/<target>/` from the golden vectors (`docs/vectors/*.json`) and the
//! transactions of `strait_fuzz::seeds::bodies`. Run from anywhere:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus`.

use std::path::Path;

use strait_fuzz::devnet::Devnet;
use strait_fuzz::seeds::{bodies, from_vectors, synthesized, TARGETS};

fn main() -> std::io::Result<()> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(fuzz.join("../docs/vectors"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let json = serde_json::from_slice(&std::fs::read(&path)?)
            .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
        files.push((stem, json));
    }
    // The transaction seeds must take the pipeline deep: each executes successfully.
    let devnet = Devnet::new();
    for (name, body) in bodies() {
        let [first, _] = devnet.execute_twice(&body);
        assert!(first.success, "seed {name} fails: {first:?}");
        println!(
            "seed {name}: {:?}",
            first
                .deliveries
                .iter()
                .map(|d| d.status)
                .collect::<Vec<_>>()
        );
    }
    let mut corpus = from_vectors(&files);
    synthesized(&mut corpus);
    for target in TARGETS {
        let dir = fuzz.join("seeds").join(target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let seeds = corpus.get(target).cloned().unwrap_or_default();
        for (name, bytes) in &seeds {
            std::fs::write(dir.join(name), bytes)?;
        }
        println!("{target}: {} seeds", seeds.len());
    }
    Ok(())
}
