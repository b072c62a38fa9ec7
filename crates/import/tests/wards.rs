//! `import_wards` and `read_ward_list` on a fixture in the GLA ward atlas layout and on the
//! real atlas.

mod common;

use common::*;
use engage_domain::DomainEvent;
use engage_domain::reference::{Lookups, WardCode};
use engage_domain::reference_data::ward;
use engage_import::{ImportError, import_wards, read_ward_list, reference_from_log};

const SOURCE: &str = "GLA ward atlas 2013";

fn registered(events: &[DomainEvent]) -> Vec<ward::WardRegistered> {
    events
        .iter()
        .filter_map(|e| match e {
            DomainEvent::Ward(ward::Event::Registered(w)) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn good_rows_are_registered_and_each_bad_row_is_reported() {
    let f = store();
    let mut seen = 0;
    let report = import_wards(
        &f.service,
        fixture("wards_atlas.csv"),
        &analyst(),
        SOURCE,
        |n| seen = n,
    )
    .await
    .expect("import");
    println!("{report:#}");
    assert_eq!(report.what, "wards");
    assert_eq!(report.records_read, 12);
    assert_eq!(seen, 12);
    assert_eq!(report.accepted, 5);
    assert_eq!(report.events_recorded, 5);
    assert_eq!(report.already_recorded, 0);
    let rejected: Vec<(u64, &str, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.field.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (2, "New_Code", "E09000001"),
            (6, "New_Code", "E0500012"),
            (7, "Borough", "Gotham"),
            (8, "New_Code", "E05000128"),
            (9, "Names", ""),
            (10, "New_Code", "E12000007"),
            (11, "row", "00BKGW,E05000649,Westminster,West End"),
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
    assert!(reason(2).contains("borough-level row"), "{}", reason(2));
    assert!(reason(6).contains("not a GSS ward code"), "{}", reason(6));
    assert!(
        reason(7).contains("not the name of a London borough"),
        "{}",
        reason(7)
    );
    assert!(
        reason(8).contains("listed twice (first at line 5)"),
        "{}",
        reason(8)
    );
    assert!(reason(9).contains("no name"), "{}", reason(9));
    assert!(reason(10).contains("total row"), "{}", reason(10));
    assert!(
        reason(11).contains("4 fields but the header has 6"),
        "{}",
        reason(11)
    );
    let text = report.to_string();
    assert!(text.starts_with("wards: 12 read, 5 accepted, 7 rejected; 5 events recorded"));
    assert!(text.contains("line 7: Borough \"Gotham\": not the name of a London borough"));

    // The good rows are in the log, with their borough resolved from the name.
    let wards = registered(&all_events(&*f.store).await);
    let summary: Vec<(&str, &str, &str, Option<&str>)> = wards
        .iter()
        .map(|w| {
            (
                w.ward.as_str(),
                w.name.as_str(),
                w.borough.as_str(),
                w.legacy_code.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("E05000026", "Abbey", "E09000002", Some("00ABFX")),
            ("E05000027", "Alibon", "E09000002", Some("00ABFY")),
            ("E05000128", "Kentish Town", "E09000007", Some("00AGGP")),
            ("E05000645", "Tachbrook", "E09000033", Some("00BKGR")),
            ("E05000043", "Brunswick Park", "E09000003", Some("00ACGA")),
        ]
    );
    assert!(wards.iter().all(|w| w.source == SOURCE));

    // Reading the list without recording it finds the same wards and the same bad rows.
    let list = read_ward_list(fixture("wards_atlas.csv")).expect("read");
    let read: Vec<(&str, &str, &str, Option<&str>)> = list
        .wards
        .iter()
        .map(|w| {
            (
                w.code.as_str(),
                w.name.as_str(),
                w.borough.as_str(),
                w.legacy_code.as_deref(),
            )
        })
        .collect();
    assert_eq!(read, summary);
    assert_eq!(list.rejected, report.rejected);

    // ... and in the reference data rebuilt from the log.
    let reference = reference_from_log(&*f.store).await.expect("reference");
    assert_eq!(reference.wards().count(), 5);
    assert_eq!(
        reference
            .ward(&WardCode::new("E05000128"))
            .map(|w| w.borough.0),
        Some("E09000007".to_owned())
    );
    assert_verifies(&f.store).await;
}

#[tokio::test]
async fn importing_the_same_file_again_records_nothing_new() {
    let f = store();
    let first = import_wards(
        &f.service,
        fixture("wards_atlas.csv"),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect("first");
    let head = f.store.head().await.expect("head").position;
    let again = import_wards(
        &f.service,
        fixture("wards_atlas.csv"),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect("again");
    assert_eq!(again.accepted, first.accepted);
    assert_eq!(again.events_recorded, 0);
    assert_eq!(again.already_recorded, 5);
    assert_eq!(again.rejected, first.rejected);
    assert_eq!(f.store.head().await.expect("head").position, head);
    assert!(
        again
            .to_string()
            .contains("0 events recorded, 5 already recorded")
    );

    // The same wards from another list (another key): still already recorded, not refused.
    let other = import_wards(
        &f.service,
        fixture("wards_atlas.csv"),
        &analyst(),
        "ONS ward lookup",
        |_| {},
    )
    .await
    .expect("other source");
    assert_eq!(other.accepted, 5);
    assert_eq!(other.events_recorded, 0);
    assert_eq!(f.store.head().await.expect("head").position, head);
}

#[tokio::test]
async fn a_ward_registered_differently_is_rejected_not_changed() {
    let f = store();
    import_wards(
        &f.service,
        fixture("wards_atlas.csv"),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect("first");
    let renamed = "New_Code,Borough,Names\nE05000026,Barking and Dagenham,Abbey Road\n\
                   E05000027,Barking and Dagenham,Alibon\n";
    let report = import_wards(
        &f.service,
        renamed.as_bytes(),
        &analyst(),
        "a later list",
        |_| {},
    )
    .await
    .expect("import");
    assert_eq!(report.accepted, 1);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].line, 2);
    assert!(
        report.rejected[0]
            .reason
            .contains("already registered as \"Abbey\" in borough E09000002"),
        "{}",
        report.rejected[0].reason
    );
}

#[tokio::test]
async fn borough_codes_columns_and_whole_file_problems() {
    let f = store();
    let ons = "WD13CD,WD13NM,LAD13CD,LAD13NM\n\
               E05000128,Kentish Town,E09000007,Camden\n\
               E05000129,Haverstock,E09000012,Camden\n\
               E05000130,Highgate,E09000099,\n";
    let report = import_wards(&f.service, ons.as_bytes(), &analyst(), "ONS lookup", |_| {})
        .await
        .expect("import");
    assert_eq!(report.accepted, 1);
    assert_eq!(report.rejected.len(), 2);
    assert_eq!(report.rejected[0].field, "LAD13NM");
    assert!(report.rejected[0].reason.contains("E09000012"));
    assert_eq!(report.rejected[1].field, "LAD13CD");

    let missing = import_wards(
        &f.service,
        fixture("wards_no_code_column.csv"),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect_err("no code column");
    match &missing {
        ImportError::MissingColumns { missing, found, .. } => {
            assert_eq!(missing.len(), 1);
            assert!(missing[0].contains("ward code"), "{missing:?}");
            assert_eq!(found, &["Codes", "Borough", "Names"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(missing.to_string().contains("\"ward code\""), "{missing}");

    let no_borough = "New_Code,Names\nE05000128,Kentish Town\n";
    let e = import_wards(
        &f.service,
        no_borough.as_bytes(),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect_err("no borough column");
    assert!(e.to_string().contains("borough"), "{e}");

    let empty = import_wards(&f.service, fixture("empty.csv"), &analyst(), SOURCE, |_| {})
        .await
        .expect_err("empty");
    assert!(matches!(empty, ImportError::Empty));
    let unnamed = import_wards(
        &f.service,
        fixture("wards_atlas.csv"),
        &analyst(),
        " ",
        |_| {},
    )
    .await
    .expect_err("no source");
    assert!(matches!(unnamed, ImportError::InvalidArgument(_)));
}

#[tokio::test]
async fn the_real_gla_ward_atlas() {
    let Some(path) = real_file("gla_2013_ward_atlas_london_wards_with_mps_crime_2014.csv") else {
        return;
    };
    let f = store();
    let file = std::fs::File::open(&path).expect("open");
    let report = import_wards(&f.service, file, &analyst(), SOURCE, |_| {})
        .await
        .expect("import");
    println!("{report}");
    // 624 wards in the 32 boroughs; the City of London appears as one borough-level row,
    // followed by London, England and England and Wales totals.
    assert_eq!(report.records_read, 628);
    assert_eq!(report.accepted, 624);
    assert_eq!(report.events_recorded, 624);
    let bad: Vec<(&str, u64)> = report
        .rejected
        .iter()
        .map(|r| (r.value.as_str(), r.line))
        .collect();
    assert_eq!(
        bad,
        vec![
            ("E09000001", 2),
            ("E12000007", 627),
            ("E92000001", 628),
            ("K04000001", 629)
        ]
    );
    let reference = reference_from_log(&*f.store).await.expect("reference");
    assert_eq!(reference.wards().count(), 624);
    let boroughs: std::collections::BTreeSet<_> =
        reference.wards().map(|w| w.borough.0.clone()).collect();
    assert_eq!(boroughs.len(), 32);
    assert_eq!(assert_verifies(&f.store).await, 624);
    // `read_ward_list` (what `engage seed --wards` uses) reads exactly the registered wards.
    let mut registered: Vec<(String, String, String)> = reference
        .wards()
        .map(|w| (w.code.0.clone(), w.name.clone(), w.borough.0.clone()))
        .collect();
    registered.sort();
    let list = read_ward_list(std::fs::File::open(&path).expect("open")).expect("read");
    let mut read: Vec<(String, String, String)> = list
        .wards
        .iter()
        .map(|w| (w.code.0.clone(), w.name.clone(), w.borough.0.clone()))
        .collect();
    read.sort();
    assert_eq!(read, registered);
    assert_eq!(list.rejected, report.rejected);

    let file = std::fs::File::open(&path).expect("open");
    let again = import_wards(&f.service, file, &analyst(), SOURCE, |_| {})
        .await
        .expect("again");
    assert_eq!((again.events_recorded, again.already_recorded), (0, 624));
}
