//! The chains `strait status` asks, native (`--rpc`) or EVM (`--evm`), and each one's answer in
//! one form, so that one logic merges them.

use alloy::primitives::Address;
use anyhow::{bail, Context as _};
use strait_devnet_api::rpc::{FeeStatus, MessageStatus, OutcomeJson, StraitApiClient};
use strait_evm_client::{EvmFee, EvmMessageStatus, EvmStatusConfig, EvmStatusReader};
use strait_packet::Packet;
use strait_primitives::{ChainId, Height, MessageId};

use crate::rpc_client::{http_client, HttpClient};

/// An EVM chain to ask: `<url>,<endpoint>[,<token app>[,<from block>]]` (the token application
/// may be left empty: `<url>,<endpoint>,,<from block>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmChainArg {
    /// The node's JSON-RPC URL.
    pub url: String,
    /// The `StraitEndpoint`.
    pub endpoint: Address,
    /// The token application.
    pub token_app: Option<Address>,
    /// The first block of the log scan (the endpoint's deployment).
    pub from_block: u64,
}

impl std::str::FromStr for EvmChainArg {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let (url, endpoint, token_app, from_block) = match parts.as_slice() {
            [url, endpoint] => (url, endpoint, "", "0"),
            [url, endpoint, app] => (url, endpoint, *app, "0"),
            [url, endpoint, app, from] => (url, endpoint, *app, *from),
            _ => bail!("expected <url>,<endpoint>[,<token app>[,<from block>]], got {s:?}"),
        };
        if url.is_empty() {
            bail!("no URL in {s:?}");
        }
        let address = |what: &str, a: &str| {
            a.parse::<Address>()
                .with_context(|| format!("bad {what} address {a:?}"))
        };
        Ok(Self {
            url: (*url).to_owned(),
            endpoint: address("endpoint", endpoint)?,
            token_app: match token_app {
                "" => None,
                app => Some(address("token application", app)?),
            },
            from_block: from_block
                .parse()
                .with_context(|| format!("bad first block {from_block:?}"))?,
        })
    }
}

impl std::fmt::Display for EvmChainArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{}", self.url, self.endpoint)?;
        match (self.token_app, self.from_block) {
            (None, 0) => Ok(()),
            (Some(app), 0) => write!(f, ",{app}"),
            (app, from) => write!(
                f,
                ",{},{from}",
                app.map_or_else(String::new, |a| a.to_string())
            ),
        }
    }
}

/// How a chain is asked.
#[derive(Clone, Debug)]
pub enum Asked {
    /// A native chain's JSON-RPC.
    Native(HttpClient),
    /// An EVM chain's endpoint.
    Evm(Box<EvmStatusReader>),
}

/// A chain to ask.
#[derive(Clone, Debug)]
pub struct Chain {
    /// Its id.
    pub id: ChainId,
    /// How.
    pub asked: Asked,
}

/// Connects to every chain given.
pub async fn connect(rpc: &[String], evm: &[EvmChainArg]) -> anyhow::Result<Vec<Chain>> {
    let mut chains = Vec::with_capacity(rpc.len() + evm.len());
    for url in rpc {
        let client = http_client(url)?;
        let info = client
            .chain_info()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        chains.push(Chain {
            id: info.chain_id,
            asked: Asked::Native(client),
        });
    }
    for e in evm {
        chains.push(evm_chain(e).await?);
    }
    Ok(chains)
}

/// A status reader of one EVM chain's endpoint (and token application, if given).
pub async fn evm_reader(e: &EvmChainArg) -> anyhow::Result<EvmStatusReader> {
    let mut config = EvmStatusConfig::new(&e.url, e.endpoint);
    config.token_app = e.token_app;
    config.from_block = e.from_block;
    EvmStatusReader::connect(config)
        .await
        .with_context(|| format!("cannot follow the EVM endpoint {} at {}", e.endpoint, e.url))
}

/// Connects to one EVM chain.
pub async fn evm_chain(e: &EvmChainArg) -> anyhow::Result<Chain> {
    let reader = evm_reader(e).await?;
    Ok(Chain {
        id: reader.chain_id(),
        asked: Asked::Evm(Box::new(reader)),
    })
}

/// What one chain says of the message.
#[derive(Clone, Debug)]
pub enum Seen {
    /// Neither sent nor received here.
    Unknown,
    /// Sent here.
    Sent {
        height: Height,
        leaf_index: u64,
        destination_chain: ChainId,
        awaiting_outcome: bool,
        fee: Option<FeeStatus>,
        /// Its packet, when the answer carries it (an EVM chain's `Sent` log).
        packet: Option<Box<Packet>>,
    },
    /// Received here.
    Received {
        height: Height,
        /// `None`: the destination cannot tell (an EVM delivery through another contract).
        source_chain: Option<ChainId>,
        outcome: OutcomeJson,
        retryable: bool,
    },
}

impl Chain {
    /// What this chain says of message `id`.
    pub async fn seen(&self, id: MessageId) -> anyhow::Result<Seen> {
        Ok(match &self.asked {
            Asked::Native(client) => match client
                .message_status(id)
                .await
                .with_context(|| format!("messageStatus on chain {}", self.id))?
            {
                MessageStatus::Unknown => Seen::Unknown,
                MessageStatus::Sent {
                    height,
                    leaf_index,
                    destination_chain,
                    awaiting_outcome,
                    fee,
                    ..
                } => Seen::Sent {
                    height,
                    leaf_index,
                    destination_chain,
                    awaiting_outcome,
                    fee,
                    packet: None,
                },
                MessageStatus::Received {
                    height,
                    source_chain,
                    outcome,
                    retryable,
                } => Seen::Received {
                    height,
                    source_chain: Some(source_chain),
                    outcome,
                    retryable,
                },
            },
            Asked::Evm(reader) => match reader
                .message_status(id)
                .await
                .with_context(|| format!("message status on EVM chain {}", self.id))?
            {
                EvmMessageStatus::Unknown => Seen::Unknown,
                EvmMessageStatus::Sent {
                    height,
                    leaf_index,
                    packet,
                    awaiting_outcome,
                    fee,
                } => Seen::Sent {
                    height,
                    leaf_index,
                    destination_chain: packet.destination_chain,
                    awaiting_outcome,
                    fee: fee.map(|f| evm_fee(*f)),
                    packet: Some(Box::new(packet)),
                },
                EvmMessageStatus::Received {
                    height,
                    source_chain,
                    outcome,
                    retryable,
                    ..
                } => Seen::Received {
                    height,
                    source_chain,
                    outcome: strait_node::rpc::outcome_json(&outcome),
                    retryable,
                },
            },
        })
    }
}

/// An EVM chain's payment in the native chains' terms: amounts in wei, addresses left-padded to
/// 32 bytes (SPEC §2).
fn evm_fee(fee: EvmFee) -> FeeStatus {
    let payer = crate::evm_devnet::address32(fee.payer);
    match fee.split {
        None => FeeStatus::Locked {
            payer,
            gas_limit: fee.gas_limit,
            amount: fee.amount.to_string(),
        },
        Some(split) => FeeStatus::Paid {
            deliverer: crate::evm_devnet::address32(split.deliverer),
            to_deliverer: split.to_deliverer.to_string(),
            ack_relayer: crate::evm_devnet::address32(split.relayer),
            to_ack_relayer: split.ack_fee.to_string(),
            payer,
            refunded: split.refund.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evm_payments_read_as_the_native_fee_status() {
        use alloy::primitives::U256;
        use strait_evm_client::EvmFeeSplit;
        let padded = |b: u8| {
            let mut out = [0u8; 32];
            out[12..].fill(b);
            strait_primitives::Address32(out)
        };
        let locked = EvmFee {
            payer: Address::repeat_byte(0xaa),
            gas_limit: 50_000,
            amount: U256::from(53_002u64),
            split: None,
        };
        assert_eq!(
            evm_fee(locked.clone()),
            FeeStatus::Locked {
                payer: padded(0xaa),
                gas_limit: 50_000,
                amount: "53002".into(),
            }
        );
        let split = EvmFee {
            split: Some(EvmFeeSplit {
                deliverer: Address::repeat_byte(0xd1),
                to_deliverer: U256::from(12_000u64),
                relayer: Address::repeat_byte(0xd2),
                ack_fee: U256::from(1_000u64),
                refund: U256::from(40_002u64),
            }),
            ..locked
        };
        assert_eq!(
            evm_fee(split),
            FeeStatus::Paid {
                deliverer: padded(0xd1),
                to_deliverer: "12000".into(),
                ack_relayer: padded(0xd2),
                to_ack_relayer: "1000".into(),
                payer: padded(0xaa),
                refunded: "40002".into(),
            }
        );
    }

    #[test]
    fn evm_chains_parse_and_print_back() {
        let endpoint = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
        let app = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
        for s in [
            format!("http://127.0.0.1:8545,{endpoint}"),
            format!("http://127.0.0.1:8545,{endpoint},{app}"),
            format!("http://127.0.0.1:8545,{endpoint},{app},12"),
            format!("http://127.0.0.1:8545,{endpoint},,12"),
        ] {
            let arg: EvmChainArg = s.parse().unwrap();
            assert_eq!(arg.to_string().parse::<EvmChainArg>().unwrap(), arg);
        }
        let arg: EvmChainArg = format!("http://x,{endpoint},,7").parse().unwrap();
        assert_eq!((arg.token_app, arg.from_block), (None, 7));
        for bad in [
            "http://x".to_owned(),
            format!(",{endpoint}"),
            "http://x,0x12".to_owned(),
            format!("http://x,{endpoint},nope"),
            format!("http://x,{endpoint},,-1"),
            format!("http://x,{endpoint},,1,2"),
        ] {
            assert!(bad.parse::<EvmChainArg>().is_err(), "{bad} accepted");
        }
    }
}
