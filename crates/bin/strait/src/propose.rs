//! `strait relayer --propose SOURCE:DESTINATION:CLIENT`: the optimistic clients the relayer
//! proposes its sources' roots to (`docs/SPEC.md` `[STRAIT-OPT.3]`, `[STRAIT-ROUTE.7]`).

use strait_primitives::{ChainId, ClientId};

/// Parses `SOURCE:DESTINATION:CLIENT` (decimal chain ids and client id).
pub fn parse(spec: &str) -> anyhow::Result<(ChainId, ChainId, ClientId)> {
    let fields: Vec<&str> = spec.split(':').collect();
    let [source, destination, client] = fields[..] else {
        anyhow::bail!("--propose {spec}: expected SOURCE:DESTINATION:CLIENT");
    };
    let number = |what: &str, s: &str| {
        s.parse::<u64>()
            .map_err(|e| anyhow::anyhow!("--propose {spec}: bad {what} {s:?}: {e}"))
    };
    Ok((
        ChainId(number("source", source)?),
        ChainId(number("destination", destination)?),
        ClientId(number("client", client)?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_three_numbers() {
        assert_eq!(
            parse("1:2:7").unwrap(),
            (ChainId(1), ChainId(2), ClientId(7))
        );
        for bad in ["", "1:2", "1:2:7:8", "1:x:7", "1:2:-1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
