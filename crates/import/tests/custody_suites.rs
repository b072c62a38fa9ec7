//! `import_custody_suites` on a fixture with bad rows, on the built-in MOPAC list written as
//! CSV, and re-imported.

mod common;

use common::*;
use engage_domain::DomainEvent;
use engage_domain::reference::Lookups;
use engage_domain::reference_data::{custody_suite, met_custody_suites};
use engage_import::{ImportError, import_custody_suites, reference_from_log};

const SOURCE: &str = "custody_suites.csv";

fn registered(events: &[DomainEvent]) -> Vec<custody_suite::CustodySuiteRegistered> {
    events
        .iter()
        .filter_map(|e| match e {
            DomainEvent::CustodySuite(custody_suite::Event::Registered(s)) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn good_rows_are_registered_and_each_bad_row_is_reported() {
    let f = store();
    let mut seen = 0;
    let report = import_custody_suites(
        &f.service,
        fixture("custody_suites.csv"),
        &analyst(),
        SOURCE,
        |n| seen = n,
    )
    .await
    .expect("import");
    println!("{report:#}");
    assert_eq!(report.what, "custody suites");
    assert_eq!((report.records_read, seen), (9, 9));
    assert_eq!((report.accepted, report.events_recorded), (3, 3));
    let rejected: Vec<(u64, &str, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.field.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (4, "Suite", "Holborn police station"),
            (5, "Name", ""),
            (6, "Borough", "Gotham"),
            (7, "Cells", "lots"),
            (8, "Suite", "KENTISH-TOWN"),
            (9, "row", "LEWISHAM,Lewisham,Lewisham,40,extra"),
        ]
    );
    let reason = |line: u64| {
        report
            .rejected
            .iter()
            .find(|r| r.line == line)
            .map(|r| r.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason(4).contains("not a suite id"), "{}", reason(4));
    assert!(reason(5).contains("no name"), "{}", reason(5));
    assert!(reason(6).contains("not the name of a London borough"));
    assert!(reason(7).contains("not a number of cells"), "{}", reason(7));
    assert!(reason(8).contains("listed twice (first at line 2)"));
    assert!(
        reason(9).contains("5 fields but the header has 4"),
        "{}",
        reason(9)
    );

    let suites: Vec<(String, String, String, Option<u32>)> =
        registered(&all_events(&*f.store).await)
            .into_iter()
            .map(|s| (s.suite, s.name, s.borough.0, s.cells))
            .collect();
    assert_eq!(
        suites,
        vec![
            (
                "KENTISH-TOWN".into(),
                "Kentish Town".into(),
                "E09000007".into(),
                Some(20)
            ),
            ("BRIXTON".into(), "Brixton".into(), "E09000022".into(), None),
            (
                "SUTTON".into(),
                "Sutton".into(),
                "E09000029".into(),
                Some(30)
            ),
        ]
    );
    let reference = reference_from_log(&*f.store).await.expect("reference");
    assert_eq!(
        reference.custody_suite("BRIXTON").map(|s| s.borough.0),
        Some("E09000022".to_owned())
    );
    assert_verifies(&f.store).await;

    // Again: nothing new; the same rows rejected.
    let again = import_custody_suites(
        &f.service,
        fixture("custody_suites.csv"),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect("again");
    assert_eq!((again.events_recorded, again.already_recorded), (0, 3));
    assert_eq!(again.rejected, report.rejected);
}

#[tokio::test]
async fn the_built_in_list_imports_whole_and_a_moved_suite_is_refused() {
    let f = store();
    let mut csv = String::from("Suite id,Suite name,Borough code\n");
    for s in met_custody_suites::MET_CUSTODY_SUITES_2019 {
        csv.push_str(&format!("{},{},{}\n", s.id, s.name, s.borough));
    }
    let report = import_custody_suites(&f.service, csv.as_bytes(), &analyst(), "MOPAC", |_| {})
        .await
        .expect("import");
    assert_eq!(
        (report.accepted, report.rejected_count()),
        (30, 0),
        "{report}"
    );
    let moved = "Suite,Name,Borough\nBRIXTON,Brixton,Southwark\n";
    let report = import_custody_suites(&f.service, moved.as_bytes(), &analyst(), "x", |_| {})
        .await
        .expect("import");
    assert_eq!(report.accepted, 0);
    assert!(
        report.rejected[0]
            .reason
            .contains("already registered in borough E09000022"),
        "{report}"
    );
}

#[tokio::test]
async fn a_file_without_the_needed_columns_is_refused_whole() {
    let f = store();
    let err = import_custody_suites(
        &f.service,
        "Station,Cells\nBrixton,12\n".as_bytes(),
        &analyst(),
        "x",
        |_| {},
    )
    .await
    .expect_err("no id column");
    assert!(matches!(err, ImportError::MissingColumns { .. }), "{err}");
    let err = import_custody_suites(
        &f.service,
        "Suite,Name\nBRIXTON,Brixton\n".as_bytes(),
        &analyst(),
        "x",
        |_| {},
    )
    .await
    .expect_err("no borough column");
    assert!(err.to_string().contains("borough"), "{err}");
    assert_eq!(f.store.head().await.expect("head").position, 0);
}
