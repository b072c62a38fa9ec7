//! Relay cursor pagination over gapless sequences: global positions (1, 2, ...) for the
//! whole log and stream versions (0, 1, ...) for one stream.
//!
//! Because both sequences have no gaps, a page is plain arithmetic on the bounds of the
//! sequence; the store is then asked for exactly that range.

use crate::errors::ErrorCode;

/// Which sequence a cursor points into. Cursors of one kind are refused by the other, so a
/// stream cursor cannot be replayed against the whole log by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorKind {
    Position,
    Version,
}

impl CursorKind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Position => "position:",
            Self::Version => "version:",
        }
    }

    pub fn encode(self, n: u64) -> String {
        format!("{}{n}", self.prefix())
    }

    pub fn decode(self, cursor: &str, argument: &str) -> async_graphql::Result<u64> {
        cursor
            .strip_prefix(self.prefix())
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| {
                ErrorCode::Validation.error(format!(
                    "`{argument}` is not a cursor of this connection: `{cursor}` (pass a cursor returned by it, such as `{}`)",
                    self.encode(1)
                ))
            })
    }
}

/// The pagination arguments of a connection field, as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// The arguments checked and decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<u64>,
    pub before: Option<u64>,
    pub size: PageSize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageSize {
    First(u64),
    Last(u64),
}

fn check_size(value: i32, argument: &str, max: usize) -> async_graphql::Result<u64> {
    if value < 0 {
        return Err(
            ErrorCode::Validation.error(format!("`{argument}` must not be negative (got {value})"))
        );
    }
    let n = value as u64;
    if n > max as u64 {
        return Err(ErrorCode::Validation.error(format!(
            "`{argument}` may be at most {max} (got {value}): fetch further pages with the page's cursors"
        )));
    }
    Ok(n)
}

impl PageArgs {
    /// Check the arguments against the page size limits and decode the cursors.
    /// Neither `first` nor `last`: the first `default_size` items.
    pub fn check(
        &self,
        kind: CursorKind,
        default_size: usize,
        max_size: usize,
    ) -> async_graphql::Result<PageRequest> {
        let size = match (self.first, self.last) {
            (Some(_), Some(_)) => {
                return Err(ErrorCode::Validation.error("pass either `first` or `last`, not both"));
            }
            (Some(n), None) => PageSize::First(check_size(n, "first", max_size)?),
            (None, Some(n)) => PageSize::Last(check_size(n, "last", max_size)?),
            (None, None) => PageSize::First(default_size.min(max_size) as u64),
        };
        let after = self
            .after
            .as_deref()
            .map(|c| kind.decode(c, "after"))
            .transpose()?;
        let before = self
            .before
            .as_deref()
            .map(|c| kind.decode(c, "before"))
            .transpose()?;
        Ok(PageRequest {
            after,
            before,
            size,
        })
    }
}

/// A range of the sequence to read: `len` items from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: u64,
    pub len: u64,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl PageRequest {
    /// The window of a sequence whose items run from `min` to `last` inclusive (`last` is
    /// `None` when the sequence is empty).
    ///
    /// `hasPreviousPage` / `hasNextPage` say whether the sequence has items before / after
    /// the window, whichever direction the client pages in (Relay allows this when it is
    /// cheap, and here it is exact).
    pub fn window(&self, min: u64, last: Option<u64>) -> Window {
        let Some(last) = last.filter(|l| *l >= min) else {
            return Window {
                start: min,
                len: 0,
                has_previous_page: false,
                has_next_page: false,
            };
        };
        // Half-open candidate range [lo, hi) after applying the cursors.
        let lo = self.after.map_or(min, |a| a.saturating_add(1)).max(min);
        let end = last.saturating_add(1);
        let hi = self.before.map_or(end, |b| b.min(end)).max(lo);
        let (start, stop) = match self.size {
            PageSize::First(n) => (lo, hi.min(lo.saturating_add(n))),
            PageSize::Last(n) => (lo.max(hi.saturating_sub(n)), hi),
        };
        Window {
            start,
            len: stop - start,
            has_previous_page: start > min,
            has_next_page: stop < end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(
        first: Option<i32>,
        after: Option<u64>,
        last: Option<i32>,
        before: Option<u64>,
    ) -> PageRequest {
        PageArgs {
            first,
            after: after.map(|a| CursorKind::Position.encode(a)),
            last,
            before: before.map(|b| CursorKind::Position.encode(b)),
        }
        .check(CursorKind::Position, 100, 500)
        .expect("valid arguments")
    }

    fn w(start: u64, len: u64, prev: bool, next: bool) -> Window {
        Window {
            start,
            len,
            has_previous_page: prev,
            has_next_page: next,
        }
    }

    #[test]
    fn forward_pages_over_positions() {
        assert_eq!(
            req(Some(3), None, None, None).window(1, Some(10)),
            w(1, 3, false, true)
        );
        assert_eq!(
            req(Some(3), Some(3), None, None).window(1, Some(10)),
            w(4, 3, true, true)
        );
        assert_eq!(
            req(Some(3), Some(9), None, None).window(1, Some(10)),
            w(10, 1, true, false)
        );
        assert_eq!(
            req(Some(3), Some(10), None, None).window(1, Some(10)),
            w(11, 0, true, false)
        );
        assert_eq!(
            req(Some(3), Some(50), None, None).window(1, Some(10)),
            w(51, 0, true, false)
        );
        assert_eq!(
            req(Some(0), None, None, None).window(1, Some(10)),
            w(1, 0, false, true)
        );
    }

    #[test]
    fn backward_pages_over_positions() {
        assert_eq!(
            req(None, None, Some(3), None).window(1, Some(10)),
            w(8, 3, true, false)
        );
        assert_eq!(
            req(None, None, Some(3), Some(8)).window(1, Some(10)),
            w(5, 3, true, true)
        );
        assert_eq!(
            req(None, None, Some(3), Some(3)).window(1, Some(10)),
            w(1, 2, false, true)
        );
        assert_eq!(
            req(None, None, Some(3), Some(1)).window(1, Some(10)),
            w(1, 0, false, true)
        );
        // Both cursors: the window stays between them.
        assert_eq!(
            req(None, Some(2), Some(10), Some(6)).window(1, Some(10)),
            w(3, 3, true, true)
        );
    }

    #[test]
    fn empty_sequences_and_versions_from_zero() {
        assert_eq!(
            req(Some(3), None, None, None).window(1, None),
            w(1, 0, false, false)
        );
        assert_eq!(
            req(None, None, Some(2), None).window(0, Some(4)),
            w(3, 2, true, false)
        );
        assert_eq!(
            req(None, None, None, None).window(0, Some(4)),
            w(0, 5, false, false)
        );
    }

    #[test]
    fn limits_and_cursors_are_checked() {
        let over = PageArgs {
            first: Some(501),
            ..Default::default()
        };
        let err = over
            .check(CursorKind::Position, 100, 500)
            .expect_err("over cap");
        assert!(err.message.contains("at most 500"), "{}", err.message);

        let both = PageArgs {
            first: Some(1),
            last: Some(1),
            ..Default::default()
        };
        assert!(both.check(CursorKind::Position, 100, 500).is_err());

        let negative = PageArgs {
            last: Some(-1),
            ..Default::default()
        };
        assert!(negative.check(CursorKind::Position, 100, 500).is_err());

        let wrong_kind = PageArgs {
            after: Some(CursorKind::Version.encode(3)),
            ..Default::default()
        };
        assert!(wrong_kind.check(CursorKind::Position, 100, 500).is_err());

        let default = PageArgs::default()
            .check(CursorKind::Position, 1000, 500)
            .expect("defaults");
        assert_eq!(default.size, PageSize::First(500));
    }
}
