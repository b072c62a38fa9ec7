//! `import_stop_and_search` on a fixture with every kind of bad row, and on a real
//! data.police.uk month of the Metropolitan Police.

mod common;

use std::collections::BTreeMap;

use common::*;
use engage_domain::stop_search_monitoring::{self, StopSearchRecordsImported};
use engage_domain::{BoroughCode, DomainEvent};
use engage_import::{ImportError, import_stop_and_search};

const SOURCE: &str = "2018-07-metropolitan-stop-and-search.csv";

fn camden() -> BoroughCode {
    BoroughCode::new("E09000007")
}

fn batches(events: &[DomainEvent]) -> Vec<StopSearchRecordsImported> {
    events
        .iter()
        .filter_map(|e| match e {
            DomainEvent::StopSearchMonitoring(stop_search_monitoring::Event::RecordsImported(
                b,
            )) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

fn counts(pairs: &[(&str, u32)]) -> BTreeMap<String, u32> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

#[tokio::test]
async fn rows_are_checked_one_by_one_and_counted_per_london_month() {
    let f = store();
    let report = import_stop_and_search(
        &f.service,
        fixture("stop_and_search.csv"),
        camden(),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect("import");
    println!("{report:#}");
    assert_eq!(report.records_read, 18);
    assert_eq!(report.accepted, 6);
    assert_eq!(
        report.events_recorded, 2,
        "one batch for June, one for July"
    );
    let rejected: Vec<(u64, &str, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.field.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (8, "Date", "05/07/2018 09:00"),
            (9, "Date", "2099-01-01T00:00:00+00:00"),
            (10, "Type", "Horse search"),
            (11, "Latitude", "95.2"),
            (12, "Longitude", ""),
            (13, "Age range", "35-44"),
            (14, "Officer-defined ethnicity", "Martian"),
            (
                15,
                "Self-defined ethnicity",
                "Klingon - Any other background"
            ),
            (16, "Outcome", "Sent to the Tower"),
            (17, "Part of a policing operation", "Maybe"),
            (
                18,
                "row",
                "Person search,2018-07-14T09:00:00+00:00,False,,51.51,-0.12,Male"
            ),
            (19, "Gender", "Robot"),
        ]
    );
    let reasons: Vec<&str> = report.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert!(reasons[0].contains("not a date-time"));
    assert!(reasons[1].contains("in the future"));
    assert!(reasons[2].contains("publishes for the search type"));
    assert!(reasons[3].contains("between -90 and 90"));
    assert!(reasons[4].contains("no longitude"));
    assert!(reasons[5].contains("values data.police.uk publishes for the age range"));
    assert!(reasons[10].contains("7 fields but the header has 15"));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("2018-05: all 1 rows rejected")),
        "{:?}",
        report.notes
    );

    let recorded = batches(&all_events(&*f.store).await);
    assert_eq!(recorded.len(), 2);
    let june = &recorded[0];
    assert_eq!(june.period.to_string(), "2018-06-01..=2018-06-30");
    assert_eq!(
        (
            june.records_read,
            june.records_accepted,
            june.records_rejected
        ),
        (1, 1, 0)
    );
    assert_eq!(june.by_officer_defined_ethnicity, counts(&[("Black", 1)]));
    let july = &recorded[1];
    assert_eq!(july.period.to_string(), "2018-07-01..=2018-07-31");
    // Five good rows (one dated 30 June UTC, 1 July in London) and eight rejected with a
    // readable July date.
    assert_eq!(
        (
            july.records_read,
            july.records_accepted,
            july.records_rejected
        ),
        (13, 5, 8)
    );
    assert_eq!(
        july.by_officer_defined_ethnicity,
        counts(&[
            ("Asian", 1),
            ("Black", 1),
            ("Not recorded", 1),
            ("White", 2)
        ])
    );
    assert_eq!(
        july.by_outcome,
        counts(&[
            ("A no further action disposal", 2),
            ("Arrest", 1),
            ("Community resolution", 1),
            ("Summons / charged by post", 1),
        ])
    );
    assert_eq!(july.borough, camden());
    assert_eq!(july.source.publisher, "data.police.uk");
    assert_eq!(july.source.force, "metropolitan");
    assert_eq!(july.source.file_name, SOURCE);
    assert_eq!(july.source.sha256.as_deref().map(str::len), Some(64));
    assert_verifies(&f.store).await;
}

#[tokio::test]
async fn importing_the_same_file_again_records_nothing_new() {
    let f = store();
    let actor = analyst();
    let run = || {
        import_stop_and_search(
            &f.service,
            fixture("stop_and_search.csv"),
            camden(),
            &actor,
            SOURCE,
            |_| {},
        )
    };
    let first = run().await.expect("first");
    let head = f.store.head().await.expect("head").position;
    let again = run().await.expect("again");
    assert_eq!(again.events_recorded, 0);
    assert_eq!(again.already_recorded, 2);
    assert_eq!(again.accepted, first.accepted);
    assert_eq!(again.rejected, first.rejected);
    assert_eq!(f.store.head().await.expect("head").position, head);

    // Another borough's group importing the same file gets its own batches.
    let hackney = import_stop_and_search(
        &f.service,
        fixture("stop_and_search.csv"),
        BoroughCode::new("E09000012"),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect("hackney");
    assert_eq!(hackney.events_recorded, 2);

    // A changed file under the same name is not silently merged: the report says so.
    let changed = "Type,Date,Officer-defined ethnicity,Outcome\n\
                   Person search,2018-07-02T10:15:00+00:00,Black,Arrest\n";
    let report = import_stop_and_search(
        &f.service,
        changed.as_bytes(),
        camden(),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect("changed");
    assert_eq!(report.events_recorded, 0);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("already imported with 5 accepted records; this file has 1")),
        "{:?}",
        report.notes
    );
}

#[tokio::test]
async fn whole_file_problems() {
    let f = store();
    let e = import_stop_and_search(
        &f.service,
        fixture("stop_and_search_missing_columns.csv"),
        camden(),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect_err("missing columns");
    match &e {
        ImportError::MissingColumns { missing, .. } => {
            assert_eq!(missing.len(), 2, "{missing:?}");
            assert!(missing[0].starts_with("\"Date\""), "{missing:?}");
            assert!(missing[1].starts_with("\"Outcome\""), "{missing:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("has no \"Date\""), "{e}");
    let e = import_stop_and_search(
        &f.service,
        fixture("stop_and_search.csv"),
        BoroughCode::new("E09000034"),
        &analyst(),
        SOURCE,
        |_| {},
    )
    .await
    .expect_err("unknown borough");
    assert!(matches!(e, ImportError::InvalidArgument(_)), "{e}");
    assert_eq!(f.store.head().await.expect("head").position, 0);
}

#[tokio::test]
async fn the_real_metropolitan_july_2018_file() {
    let Some(path) = real_file("dpuk_2018-07-metropolitan-stop-and-search.csv") else {
        return;
    };
    let f = store();
    let file = std::fs::File::open(&path).expect("open");
    let mut progress = 0;
    let report = import_stop_and_search(&f.service, file, camden(), &analyst(), SOURCE, |n| {
        progress = n
    })
    .await
    .expect("import");
    println!("{report}");
    assert_eq!(report.records_read, 9_588);
    assert_eq!(progress, 9_588);
    // Every row of the published file passes the checks.
    assert_eq!(report.accepted, 9_588, "{report}");
    assert_eq!(report.rejected_count(), 0);
    // The 18 searches dated 30 June after 23:00 UTC happened on 1 July in London: one batch.
    assert_eq!(report.events_recorded, 1);
    let recorded = batches(&all_events(&*f.store).await);
    assert_eq!(recorded.len(), 1);
    let july = &recorded[0];
    assert_eq!(july.period.to_string(), "2018-07-01..=2018-07-31");
    assert_eq!(u64::from(july.records_accepted), report.accepted);
    assert_eq!(july.records_read, 9_588);
    assert_eq!(
        july.source.sha256.as_deref(),
        Some("8375591486045c18625c4ebee748ffadd2c9de5308901cee9fb00d15b421a83f")
    );
    let total: u32 = july.by_outcome.values().sum();
    assert_eq!(total, july.records_accepted);
    assert!(july.by_officer_defined_ethnicity["Black"] > 4_000);
    assert_verifies(&f.store).await;
}
