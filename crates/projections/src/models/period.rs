//! Half-open periods `[from, to)` for the read models' "by period" queries: a record is in
//! the period when its date is on or after `from` and before `to`, so consecutive periods
//! (months, quarters, financial years) never count a record twice.

/// Whether `at` falls in `[from, to)`. Works for instants (`Timestamp`) and days
/// (`NaiveDate`) alike, by value or by reference; an empty or reversed period contains
/// nothing.
pub fn within<T: PartialOrd>(at: T, from: T, to: T) -> bool {
    from <= at && at < to
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn half_open() {
        assert!(within(&1, &1, &3));
        assert!(within(&2, &1, &3));
        assert!(!within(&3, &1, &3));
        assert!(!within(&0, &1, &3));
        assert!(!within(&2, &3, &1));
    }
}
