//! One way to list read-model records as a Relay connection: keep the records a filter
//! matches, key each by a string that sorts like the listing's order, page with
//! `first/after/last/before`, and wrap each record as its GraphQL object.
//!
//! [`connection!`](crate::read::connection) declares a connection type and its edge type
//! for one object; [`list`] fills it.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use uuid::Uuid as RawUuid;

use super::{KeyedPage, SortOrder, keyed_page};
use crate::pagination::PageArgs;

/// The arguments every listing takes besides its filter: order and page.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListArgs {
    pub order: SortOrder,
    pub page: PageArgs,
    pub max_page_size: usize,
}

impl ListArgs {
    pub(crate) fn new(
        ctx: &async_graphql::Context<'_>,
        order: Option<SortOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            order: order.unwrap_or_default(),
            page: PageArgs {
                first,
                after,
                last,
                before,
            },
            max_page_size: super::max_page_size(ctx),
        }
    }
}

/// Page `records` (those `keep` accepts), sorted by `key(record, order)`; each record on
/// the page becomes `wrap(record)`.
pub(crate) fn list<'r, R: 'r, N>(
    records: impl IntoIterator<Item = &'r R>,
    keep: impl Fn(&R) -> bool,
    key: impl Fn(&R, SortOrder) -> String,
    wrap: impl Fn(&R) -> N,
    args: &ListArgs,
) -> async_graphql::Result<KeyedPage<N>> {
    let mut all: Vec<(String, &R)> = records
        .into_iter()
        .filter(|r| keep(r))
        .map(|r| (key(r, args.order), r))
        .collect();
    all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let page = keyed_page(all, &args.page, args.max_page_size)?;
    Ok(KeyedPage {
        items: page
            .items
            .into_iter()
            .map(|(cursor, r)| (cursor, wrap(r)))
            .collect(),
        page_info: page.page_info,
        total_count: page.total_count,
    })
}

/// A sortable key from a time and an id: fixed width, so strings sort like the pair.
pub(crate) fn time_key(t: DateTime<Utc>, id: &RawUuid, order: SortOrder) -> String {
    let id = match order {
        SortOrder::Ascending => id.simple().to_string(),
        SortOrder::Descending => inverted_hex(id.as_bytes()),
    };
    format!("{}.{id}", micros_key(t, order))
}

/// [`time_key`] for a day (its midnight, UTC).
pub(crate) fn day_key(day: NaiveDate, id: &RawUuid, order: SortOrder) -> String {
    time_key(day.and_time(NaiveTime::MIN).and_utc(), id, order)
}

/// A sortable key from a day and a text tie-breaker (a code, a name): records keyed by
/// something other than a UUID.
pub(crate) fn day_text_key(day: NaiveDate, text: &str, order: SortOrder) -> String {
    let t = day.and_time(NaiveTime::MIN).and_utc();
    format!("{}.{}", micros_key(t, order), text_key(text, order))
}

/// A text key that sorts like `text` (ascending) or in reverse (descending): bytes as hex,
/// inverted for descending, closed by a terminator so that a prefix sorts after the longer
/// text when descending.
pub(crate) fn text_key(text: &str, order: SortOrder) -> String {
    match order {
        SortOrder::Ascending => format!("{}-", hex::encode(text.as_bytes())),
        SortOrder::Descending => format!("{}~", inverted_hex(text.as_bytes())),
    }
}

/// Fixed-width microseconds since the epoch, shifted into u64 so negative times sort
/// correctly, and inverted for descending order.
fn micros_key(t: DateTime<Utc>, order: SortOrder) -> String {
    let shifted = (t.timestamp_micros() as i128 - i64::MIN as i128) as u64;
    let n = match order {
        SortOrder::Ascending => shifted,
        SortOrder::Descending => u64::MAX - shifted,
    };
    format!("{n:020}")
}

fn inverted_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", !b)).collect()
}

/// Declares a Relay connection type `$conn` over `$node`, with its edge type `$edge`:
/// `edges`, `pageInfo`, `totalCount` (described as "How many `$noun` match the filter")
/// and `asOfPosition`. `$conn::new(page, checkpoint)` builds it from a [`list`] page.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $what:literal, $noun:literal) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            cursor: String,
            node: $node,
        }

        #[doc = concat!("A page of ", $what, " (Relay cursor connection).")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            edges: Vec<$edge>,
            page_info: $crate::schema::PageInfo,
            #[doc = concat!("How many ", $noun, " match the filter (all pages).")]
            total_count: u64,
            /// The log position the listing reflects.
            as_of_position: u64,
        }

        impl $conn {
            /// The connection over one page of a listing of the model at `checkpoint`.
            #[allow(dead_code)]
            pub(crate) fn new(page: $crate::read::KeyedPage<$node>, checkpoint: u64) -> Self {
                Self {
                    edges: page
                        .items
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info: page.page_info,
                    total_count: page.total_count,
                    as_of_position: checkpoint,
                }
            }
        }
    };
}
pub(crate) use connection;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keys_sort_like_the_text_both_ways() {
        let words = ["", "a", "ab", "abc", "b", "ba", "E05000129", "E0500013"];
        let mut asc: Vec<_> = words.to_vec();
        asc.sort_by_key(|w| text_key(w, SortOrder::Ascending));
        let mut expected: Vec<_> = words.to_vec();
        expected.sort();
        assert_eq!(asc, expected);
        let mut desc: Vec<_> = words.to_vec();
        desc.sort_by_key(|w| text_key(w, SortOrder::Descending));
        expected.reverse();
        assert_eq!(desc, expected);
    }

    #[test]
    fn day_keys_order_by_day_then_id() {
        let d1 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
        let a = RawUuid::from_u128(1);
        let b = RawUuid::from_u128(2);
        let asc = |d, id| day_key(d, id, SortOrder::Ascending);
        assert!(asc(d1, &b) < asc(d2, &a));
        assert!(asc(d1, &a) < asc(d1, &b));
        let desc = |d, id| day_key(d, id, SortOrder::Descending);
        assert!(desc(d2, &a) < desc(d1, &b));
        assert!(desc(d1, &b) < desc(d1, &a));
    }
}
