//! Which entries of a node's access list a transaction carries (EIP-2930).

use alloy::eips::eip2930::{AccessList, AccessListItem};
use alloy::primitives::Address;

/// Storage keys past which an access-list entry of an account that is warm anyway pays for itself.
const WARM_ENTRY_BREAK_EVEN_KEYS: usize = 24;

/// Most storage keys, over all entries, of an access list a transaction carries: a list the node
/// makes with more is not used (each key costs 1,900 gas whether the transaction touches it or
/// not; a delivery of a batch of 1,024 messages touches a few hundred slots).
pub const MAX_ACCESS_LIST_KEYS: usize = 4096;

/// Most entries of an access list a transaction carries (as [`MAX_ACCESS_LIST_KEYS`]).
pub const MAX_ACCESS_LIST_ENTRIES: usize = 256;

/// What of the access list `list` of a transaction from `from` to `to` can save gas (EIP-2930,
/// EIP-2929), or `None` when the node's list is past [`MAX_ACCESS_LIST_ENTRIES`] or
/// [`MAX_ACCESS_LIST_KEYS`] (checked before anything else is done with it). An entry costs 2,400
/// gas and each of its storage keys 1,900; they make the first access of the account cost 100
/// instead of 2,600, and of each slot 100 instead of 2,100. So an entry of a cold account saves 100
/// and 100 more per key, and an entry of an account that is warm anyway (the sender, the called
/// account, a precompile) costs 2,400 and saves 100 per key: it goes unless it has more than 24
/// keys. A precompile is any address below `0x10000` (the Ethereum ones are `0x01` to `0x11` and
/// `0x100`; no deployed contract has such an address). An account or a key listed twice is paid
/// twice and warmed once: the repeats go.
pub fn worthwhile(list: AccessList, from: Address, to: Option<Address>) -> Option<AccessList> {
    if list.0.len() > MAX_ACCESS_LIST_ENTRIES
        || list
            .0
            .iter()
            .map(|item| item.storage_keys.len())
            .sum::<usize>()
            > MAX_ACCESS_LIST_KEYS
    {
        return None;
    }
    // One entry per account, in the order of first appearance, each key once.
    let mut merged: Vec<AccessListItem> = Vec::with_capacity(list.0.len());
    let mut seen = std::collections::HashSet::new();
    for item in list.0 {
        let at = match merged.iter().position(|m| m.address == item.address) {
            Some(at) => at,
            None => {
                merged.push(AccessListItem {
                    address: item.address,
                    storage_keys: Vec::new(),
                });
                merged.len() - 1
            }
        };
        for key in item.storage_keys {
            if seen.insert((item.address, key)) {
                merged[at].storage_keys.push(key);
            }
        }
    }
    merged.retain(|item| {
        let warm = item.address == from
            || Some(item.address) == to
            || item.address.0[..18].iter().all(|&b| b == 0);
        !warm || item.storage_keys.len() > WARM_ENTRY_BREAK_EVEN_KEYS
    });
    Some(AccessList(merged))
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
        ]);
        let kept = worthwhile(list, from, Some(to)).unwrap();
        assert_eq!(kept.0, vec![item(cold, 0), item(lowest_contract, 1)]);
        // Past the break-even, the called account's entry stays.
        let list = AccessList(vec![
            item(to, WARM_ENTRY_BREAK_EVEN_KEYS + 1),
            item(cold, 0),
        ]);
        let kept = worthwhile(list, from, Some(to)).unwrap();
        assert_eq!(
            kept.0,
            vec![item(to, WARM_ENTRY_BREAK_EVEN_KEYS + 1), item(cold, 0)]
        );
        // A creation has no called account: only the sender is warm.
        let kept = worthwhile(AccessList(vec![item(to, 2), item(from, 2)]), from, None).unwrap();
        assert_eq!(kept.0, vec![item(to, 2)]);
    }

    #[test]
    fn repeats_are_listed_once() {
        let a = Address::repeat_byte(0xcc);
        let b = Address::repeat_byte(0xdd);
        let list = AccessList(vec![item(a, 2), item(b, 1), item(a, 3)]);
        let kept = worthwhile(list, Address::ZERO, None).unwrap();
        assert_eq!(kept.0, vec![item(a, 3), item(b, 1)]);
    }

    #[test]
    fn a_list_past_its_bounds_is_not_used() {
        let from = Address::repeat_byte(0xaa);
        let cold = |i: usize| {
            let mut a = [0x10u8; 20];
            a[..8].copy_from_slice(&(i as u64).to_be_bytes());
            Address::from(a)
        };
        let entries = |n: usize| AccessList((0..n).map(|i| item(cold(i), 0)).collect());
        assert_eq!(
            worthwhile(entries(MAX_ACCESS_LIST_ENTRIES), from, None).map(|l| l.0.len()),
            Some(MAX_ACCESS_LIST_ENTRIES)
        );
        assert!(worthwhile(entries(MAX_ACCESS_LIST_ENTRIES + 1), from, None).is_none());
        // Keys over all entries: 16 entries of 256 keys, then one more key.
        let keyed = |extra: usize| {
            let mut items: Vec<AccessListItem> = (0..16).map(|i| item(cold(i), 256)).collect();
            items.push(item(cold(16), extra));
            AccessList(items)
        };
        assert_eq!(
            worthwhile(keyed(0), from, None).map(|l| l.0.len()),
            Some(17)
        );
        assert!(worthwhile(keyed(1), from, None).is_none());
    }
}
