//! Which entries of a node's access list a transaction carries (EIP-2930).

use alloy::eips::eip2930::{AccessList, AccessListItem};
use alloy::primitives::Address;

/// Storage keys past which an access-list entry of an account that is warm anyway pays for itself.
const WARM_ENTRY_BREAK_EVEN_KEYS: usize = 24;

/// What of the access list `list` of a transaction from `from` to `to` can save gas (EIP-2930,
/// EIP-2929). An entry costs 2,400 gas and each of its storage keys 1,900; they make the first
/// access of the account cost 100 instead of 2,600, and of each slot 100 instead of 2,100. So an
/// entry of a cold account saves 100 and 100 more per key, and an entry of an account that is warm
/// anyway (the sender, the called account, a precompile) costs 2,400 and saves 100 per key: it
/// goes unless it has more than 24 keys. A precompile is any address below `0x10000` (the
/// Ethereum ones are `0x01` to `0x11` and `0x100`; no deployed contract has such an address).
pub fn worthwhile(list: AccessList, from: Address, to: Option<Address>) -> AccessList {
    AccessList(
        list.0
            .into_iter()
            .filter(|item: &AccessListItem| {
                let warm = item.address == from
                    || Some(item.address) == to
                    || item.address.0[..18].iter().all(|&b| b == 0);
                !warm || item.storage_keys.len() > WARM_ENTRY_BREAK_EVEN_KEYS
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use alloy::primitives::B256;

    use super::*;

    fn item(address: Address, keys: usize) -> AccessListItem {
        AccessListItem {
            address,
            storage_keys: (0..keys).map(|k| B256::with_last_byte(k as u8)).collect(),
        }
    }

    #[test]
    fn warm_accounts_go_unless_their_keys_pay_for_the_entry() {
        let from = Address::repeat_byte(0xaa);
        let to = Address::repeat_byte(0xbb);
        let cold = Address::repeat_byte(0xcc);
        let ecrecover = Address::with_last_byte(1);
        let highest = {
            let mut a = [0u8; 20];
            a[18] = 0xff;
            a[19] = 0xff;
            Address::from(a)
        };
        let lowest_contract = {
            let mut a = [0u8; 20];
            a[17] = 1;
            Address::from(a)
        };
        let list = AccessList(vec![
            item(from, 0),
            item(to, WARM_ENTRY_BREAK_EVEN_KEYS),
            item(ecrecover, 0),
            item(highest, 3),
            item(cold, 0),
            item(lowest_contract, 1),
            item(to, WARM_ENTRY_BREAK_EVEN_KEYS + 1),
        ]);
        let kept = worthwhile(list, from, Some(to));
        assert_eq!(
            kept.0,
            vec![
                item(cold, 0),
                item(lowest_contract, 1),
                item(to, WARM_ENTRY_BREAK_EVEN_KEYS + 1)
            ]
        );
        // A creation has no called account: only the sender is warm.
        let kept = worthwhile(AccessList(vec![item(to, 2), item(from, 2)]), from, None);
        assert_eq!(kept.0, vec![item(to, 2)]);
    }
}
