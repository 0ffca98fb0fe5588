//! `[STRAIT-DOMAIN.1]`: every domain tag in the code is in the table of `docs/SPEC.md` §1, every
//! tag of the table is used, and no tag is a prefix of another.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// Every byte-string literal starting with the protocol name in the `.rs` files under `dir`.
fn tags_in_code(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            if !path.ends_with("target") {
                tags_in_code(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source file");
            for (start, _) in text.match_indices("b\"STRAIT/") {
                let rest = &text[start + 2..];
                let end = rest.find('"').expect("closed literal");
                out.push(rest[..end].to_owned());
            }
        }
    }
}

/// The ASCII tags of the table under "## 1." in SPEC.md: rows starting with `` | `"STRAIT/ ``.
fn tags_in_spec() -> Vec<String> {
    let spec = std::fs::read_to_string(root().join("docs/SPEC.md")).expect("SPEC.md");
    let section = spec
        .split("\n## 1.")
        .nth(1)
        .and_then(|s| s.split("\n## 2.").next())
        .expect("SPEC section 1");
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `\""))
        .map(|l| l[..l.find('"').expect("closed tag")].to_owned())
        .collect()
}

#[test]
fn spec_lists_every_domain_tag_and_none_is_a_prefix_of_another() {
    let mut code = Vec::new();
    tags_in_code(&root().join("crates"), &mut code);
    code.sort();
    code.dedup();
    let spec = tags_in_spec();
    for tag in &code {
        assert!(
            spec.contains(tag),
            "{tag} is used in the code but not listed in SPEC §1"
        );
    }
    for tag in &spec {
        assert!(
            code.contains(tag),
            "{tag} is listed in SPEC §1 but not used in the code"
        );
    }
    for a in &spec {
        for b in &spec {
            assert!(
                a == b || !b.starts_with(a.as_str()),
                "{a} is a prefix of {b}"
            );
        }
    }
    assert!(spec.len() >= 11, "SPEC §1 lists {} tags", spec.len());
}
