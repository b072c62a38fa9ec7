//! `import_confidence` on a fixture in the MOPAC PAS layout and on the real 2016 file.

mod common;

use chrono::NaiveDate;
use common::*;
use engage_domain::DomainEvent;
use engage_domain::common::Period;
use engage_domain::performance::{self, ConfidenceMeasure, ConfidenceSurveyResultRecorded};
use engage_import::{ImportError, import_confidence};

const SOURCE: &str = "2016-police-perceptions.csv";

fn year_2016() -> Period {
    Period::new(
        NaiveDate::from_ymd_opt(2016, 1, 1).expect("date"),
        NaiveDate::from_ymd_opt(2016, 12, 31).expect("date"),
    )
}

fn results(events: &[DomainEvent]) -> Vec<ConfidenceSurveyResultRecorded> {
    events
        .iter()
        .filter_map(|e| match e {
            DomainEvent::Performance(performance::Event::ConfidenceSurveyResultRecorded(r)) => {
                Some(r.clone())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn each_neighbourhood_and_measure_is_recorded_and_bad_rows_reported() {
    let f = store();
    let report = import_confidence(
        &f.service,
        fixture("confidence.csv"),
        &analyst(),
        SOURCE,
        year_2016(),
        |_| {},
    )
    .await
    .expect("import");
    println!("{report:#}");
    assert_eq!(report.what, "survey rows");
    assert_eq!(
        report.records_read, 12,
        "the units row under the header is not a record"
    );
    assert_eq!(report.accepted, 4);
    assert_eq!(report.events_recorded, 3 + 2 + 3 + 3);
    let rejected: Vec<(u64, &str, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.field.as_str(), r.value.as_str()))
        .collect();
    let fairly = "The police treat everyone fairly regardless of who they are";
    let good_job = "Taking everything into account how good a job do you think the police in your area are doing?";
    assert_eq!(
        rejected,
        vec![
            (6, "Neighbourhood", "Gotham - Narrows"),
            (7, "Code", "KG-SK"),
            (8, fairly, "120"),
            (9, good_job, "sixty"),
            (10, "row", ""),
            (11, "Neighbourhood", "Barnet - Colindale"),
            (12, "Neighbourhood", ""),
            (14, "row", "Brent - Wembley,QK-QD,Group 12,62"),
        ]
    );
    let reasons: Vec<&str> = report.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert!(
        reasons[0].contains("is not a London borough"),
        "{}",
        reasons[0]
    );
    assert!(
        reasons[1].contains("in Barking and Dagenham, but the name says Barnet"),
        "{}",
        reasons[1]
    );
    assert!(reasons[2].contains("between 0 and 100"), "{}", reasons[2]);
    assert!(reasons[3].contains("not a percentage"), "{}", reasons[3]);
    assert!(
        reasons[4].contains("no survey measure has a value"),
        "{}",
        reasons[4]
    );
    assert!(
        reasons[5].contains("listed twice (first at line 3)"),
        "{}",
        reasons[5]
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("\"Total Notifiable Offences rate\" is not")),
        "{:?}",
        report.notes
    );
    assert!(report.notes.iter().any(|n| n.starts_with("line 2 gives")));

    let recorded = results(&all_events(&*f.store).await);
    assert_eq!(recorded.len(), 11);
    let colindale: Vec<(ConfidenceMeasure, u8)> = recorded
        .iter()
        .filter(|r| r.neighbourhood.as_ref().is_some_and(|n| n.code == "SX-SC"))
        .map(|r| (r.measure, r.percent))
        .collect();
    assert_eq!(
        colindale,
        vec![
            (ConfidenceMeasure::GoodJob, 61),
            (ConfidenceMeasure::TreatEveryoneFairly, 75),
            (ConfidenceMeasure::NotWorriedAboutCrime, 62),
        ]
    );
    let first = &recorded[0];
    assert_eq!(first.borough.as_str(), "E09000003");
    assert_eq!(
        first.neighbourhood.as_ref().map(|n| n.name.as_str()),
        Some("Barnet - Colindale")
    );
    assert_eq!(first.period, year_2016());
    assert_eq!(first.source.reference, SOURCE);
    assert_eq!(first.revision, 1);
    // A borough named alone is a borough-wide result.
    let camden: Vec<_> = recorded
        .iter()
        .filter(|r| r.borough.as_str() == "E09000007")
        .collect();
    assert_eq!(camden.len(), 3);
    assert!(camden.iter().all(|r| r.neighbourhood.is_none()));
    // Decimals and "%" are read and rounded.
    let harlsden: Vec<u8> = recorded
        .iter()
        .filter(|r| r.neighbourhood.as_ref().is_some_and(|n| n.code == "QK-QH"))
        .map(|r| r.percent)
        .collect();
    assert_eq!(harlsden, vec![62, 70, 55]);
    assert_verifies(&f.store).await;
}

#[tokio::test]
async fn importing_again_records_nothing_new_and_changed_values_are_refused() {
    let f = store();
    let actor = analyst();
    let run = |source: &'static str| {
        import_confidence(
            &f.service,
            fixture("confidence.csv"),
            &actor,
            source,
            year_2016(),
            |_| {},
        )
    };
    let first = run(SOURCE).await.expect("first");
    let head = f.store.head().await.expect("head").position;
    let again = run(SOURCE).await.expect("again");
    assert_eq!(again.events_recorded, 0);
    assert_eq!(again.already_recorded, 11);
    assert_eq!(again.accepted, first.accepted);
    assert_eq!(again.rejected, first.rejected);
    // The same values from a copy of the file under another name: already recorded too.
    let copy = run("copy of 2016-police-perceptions.csv")
        .await
        .expect("copy");
    assert_eq!((copy.events_recorded, copy.already_recorded), (0, 11));
    assert_eq!(f.store.head().await.expect("head").position, head);

    let changed = "Neighbourhood,Code,Taking everything into account how good a job do you think the police in your area are doing?\n\
                   Barnet - Colindale,SX-SC,65\n\
                   Barnet - Barnet,SX-SA,72\n";
    let report = import_confidence(
        &f.service,
        changed.as_bytes(),
        &analyst(),
        "revised.csv",
        year_2016(),
        |_| {},
    )
    .await
    .expect("changed");
    assert_eq!(report.accepted, 1);
    assert_eq!(report.events_recorded, 1);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].line, 2);
    assert_eq!(report.rejected[0].value, "65");
    assert!(
        report.rejected[0]
            .reason
            .contains("61% is already recorded for GoodJob"),
        "{}",
        report.rejected[0].reason
    );
}

#[tokio::test]
async fn whole_file_problems() {
    let f = store();
    let e = import_confidence(
        &f.service,
        fixture("confidence_no_measures.csv"),
        &analyst(),
        SOURCE,
        year_2016(),
        |_| {},
    )
    .await
    .expect_err("no measures");
    assert!(matches!(e, ImportError::MissingColumns { .. }), "{e}");
    assert!(e.to_string().contains("survey question"), "{e}");
    let e = import_confidence(
        &f.service,
        "Area name,Good job\nBarnet - Barnet,70\n".as_bytes(),
        &analyst(),
        SOURCE,
        year_2016(),
        |_| {},
    )
    .await
    .expect_err("no neighbourhood or code");
    match &e {
        ImportError::MissingColumns { missing, .. } => assert_eq!(missing.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_real_2016_police_perceptions_file() {
    let Some(path) = real_file("mopac_pas_2016_police-perceptions_by_neighbourhood.csv") else {
        return;
    };
    let f = store();
    let file = std::fs::File::open(&path).expect("open");
    let report = import_confidence(&f.service, file, &analyst(), SOURCE, year_2016(), |_| {})
        .await
        .expect("import");
    println!("{report}");
    // 106 neighbourhoods of the 32 MPS boroughs, 18 measures each.
    assert_eq!(report.records_read, 106);
    assert_eq!(report.accepted, 106, "{report}");
    assert_eq!(report.events_recorded, 106 * 18);
    let recorded = results(&all_events(&*f.store).await);
    let boroughs: std::collections::BTreeSet<_> =
        recorded.iter().map(|r| r.borough.clone()).collect();
    assert_eq!(boroughs.len(), 32);
    let barking = recorded
        .iter()
        .find(|r| {
            r.measure == ConfidenceMeasure::GoodJob
                && r.neighbourhood.as_ref().is_some_and(|n| n.code == "KG-KB")
        })
        .expect("Barking");
    assert_eq!(barking.percent, 71);
    assert_eq!(assert_verifies(&f.store).await, 106 * 18);
}
