//! The PostgreSQL key store: two tables of their own (`engage_subject_keys`,
//! `engage_erased_subjects`) in the log's schema, never the `events` table, so that the log
//! can be exported, copied and verified without the keys. Used when `--store postgres://…`
//! is chosen. A key is committed (as the server is configured to commit) before the event
//! sealed with it is appended. Destroying a key deletes its row; PostgreSQL reclaims the dead
//! row's space at the next vacuum, which the store asks for at once (`VACUUM` of the keys
//! table) so the bytes do not linger in the table's pages.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Utc;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use engage_log::Timestamp;
use engage_log::envelope::{timestamp_from_micros, timestamp_micros};
use engage_store_postgres::PostgresConfig;
use tokio_postgres::NoTls;
use uuid::Uuid;

use crate::keystore::{
    ImportReport, ImportStep, KeyRecord, KeyStore, KeyStoreError, SubjectKey, SubjectStatus,
    import_step,
};

/// Keys in PostgreSQL tables beside the log.
#[derive(Clone)]
pub struct PostgresKeyStore {
    pool: Pool,
    keys_table: String,
    erased_table: String,
    describe: String,
}

impl std::fmt::Debug for PostgresKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresKeyStore")
            .field("target", &self.describe)
            .finish_non_exhaustive()
    }
}

fn pool_error(e: impl std::fmt::Display) -> KeyStoreError {
    KeyStoreError::Task(format!("PostgreSQL key store connection: {e}"))
}

impl PostgresKeyStore {
    /// Connect and create the tables (and schema) if needed.
    pub async fn open(config: &PostgresConfig) -> Result<Self, KeyStoreError> {
        let pg = config.connection_config("keys");
        let create_timeout = pg.get_connect_timeout().copied();
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(4)
            .runtime(Runtime::Tokio1)
            .create_timeout(create_timeout)
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(pool_error)?;
        // The schema name is checked by PostgresConfig (lower-case letters, digits, `_`).
        let schema = config.schema();
        let store = Self {
            pool,
            keys_table: format!("\"{schema}\".engage_subject_keys"),
            erased_table: format!("\"{schema}\".engage_erased_subjects"),
            describe: config.redacted().to_owned(),
        };
        let client = store.pool.get().await.map_err(pool_error)?;
        client
            // Under a transaction-scoped advisory lock: two processes starting on one
            // database at once would otherwise race in `CREATE ... IF NOT EXISTS` (which
            // PostgreSQL does not make atomic) and one would fail.
            .batch_execute(&format!(
                "BEGIN;
                 SELECT pg_advisory_xact_lock(hashtext('engage personal-data key store'));
                 CREATE SCHEMA IF NOT EXISTS \"{schema}\";
                 CREATE TABLE IF NOT EXISTS {keys} (
                     data_subject_id uuid PRIMARY KEY,
                     key bytea NOT NULL CHECK (length(key) = 32),
                     created_at_us bigint NOT NULL,
                     erasure_pending boolean NOT NULL DEFAULT false
                 );
                 CREATE TABLE IF NOT EXISTS {erased} (
                     data_subject_id uuid PRIMARY KEY,
                     created_at_us bigint NOT NULL,
                     erased_at_us bigint NOT NULL
                 );
                 COMMIT;",
                keys = store.keys_table,
                erased = store.erased_table,
            ))
            .await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, KeyStoreError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// (key, erased_at) of a subject, if the store knows them.
    async fn read(
        &self,
        client: &impl deadpool_postgres::GenericClient,
        subject: Uuid,
    ) -> Result<Option<(Option<SubjectKey>, bool, Option<Timestamp>)>, KeyStoreError> {
        let row = client
            .query_opt(
                &format!(
                    "SELECT key, erasure_pending FROM {} WHERE data_subject_id = $1",
                    self.keys_table
                ),
                &[&subject],
            )
            .await?;
        if let Some(row) = row {
            let key: Vec<u8> = row.try_get(0)?;
            let key = SubjectKey::from_slice(&key)
                .ok_or_else(|| KeyStoreError::Corrupt(subject.to_string()))?;
            return Ok(Some((Some(key), row.try_get(1)?, None)));
        }
        let row = client
            .query_opt(
                &format!(
                    "SELECT erased_at_us FROM {} WHERE data_subject_id = $1",
                    self.erased_table
                ),
                &[&subject],
            )
            .await?;
        Ok(match row {
            Some(row) => Some((None, false, Some(instant(row.try_get(0)?, subject)?))),
            None => None,
        })
    }

    async fn destroy(
        &self,
        client: &mut deadpool_postgres::Object,
        subject: Uuid,
        at: Timestamp,
        created: Option<Timestamp>,
    ) -> Result<(), KeyStoreError> {
        let tx = client.transaction().await?;
        let deleted = tx
            .query_opt(
                &format!(
                    "DELETE FROM {} WHERE data_subject_id = $1 RETURNING created_at_us",
                    self.keys_table
                ),
                &[&subject],
            )
            .await?;
        let created: i64 = match deleted {
            Some(row) => row.try_get(0)?,
            None => timestamp_micros(created.unwrap_or(at)),
        };
        tx.execute(
            &format!(
                "INSERT INTO {} (data_subject_id, created_at_us, erased_at_us) VALUES ($1, $2, $3)
                 ON CONFLICT (data_subject_id) DO NOTHING",
                self.erased_table
            ),
            &[&subject, &created, &timestamp_micros(at)],
        )
        .await?;
        tx.commit().await?;
        // Reclaim the dead row's space now rather than at the next autovacuum.
        if let Err(e) = client
            .batch_execute(&format!("VACUUM {}", self.keys_table))
            .await
        {
            tracing::warn!(error = %e, "could not vacuum the key table after destroying a key");
        }
        Ok(())
    }
}

#[async_trait]
impl KeyStore for PostgresKeyStore {
    async fn key(&self, subject: Uuid) -> Result<Option<SubjectKey>, KeyStoreError> {
        let client = self.client().await?;
        Ok(self.read(&client, subject).await?.and_then(|(k, _, _)| k))
    }

    async fn key_for_sealing(&self, subject: Uuid) -> Result<SubjectKey, KeyStoreError> {
        let client = self.client().await?;
        if let Some((key, _, erased)) = self.read(&client, subject).await? {
            return match (key, erased) {
                (Some(key), _) => Ok(key),
                (None, _) => Err(KeyStoreError::Erased(subject)),
            };
        }
        let fresh = SubjectKey::generate()?;
        // Another process may make the subject's key at the same moment: whoever inserts
        // first wins, and everyone uses the stored key.
        client
            .execute(
                &format!(
                    "INSERT INTO {} (data_subject_id, key, created_at_us) VALUES ($1, $2, $3)
                     ON CONFLICT (data_subject_id) DO NOTHING",
                    self.keys_table
                ),
                &[
                    &subject,
                    &fresh.bytes().as_slice(),
                    &timestamp_micros(Utc::now()),
                ],
            )
            .await?;
        match self.read(&client, subject).await? {
            Some((Some(key), _, _)) => Ok(key),
            Some((None, _, _)) => Err(KeyStoreError::Erased(subject)),
            None => Err(KeyStoreError::Corrupt(subject.to_string())),
        }
    }

    async fn status(&self, subject: Uuid) -> Result<SubjectStatus, KeyStoreError> {
        let client = self.client().await?;
        Ok(match self.read(&client, subject).await? {
            None => SubjectStatus::Unknown,
            Some((_, _, Some(erased_at))) => SubjectStatus::Erased { erased_at },
            Some((_, pending, None)) => SubjectStatus::Active {
                erasure_pending: pending,
            },
        })
    }

    async fn begin_erasure(&self, subject: Uuid) -> Result<(), KeyStoreError> {
        self.set_pending(subject, true).await
    }

    async fn cancel_erasure(&self, subject: Uuid) -> Result<(), KeyStoreError> {
        self.set_pending(subject, false).await
    }

    async fn destroy_key(&self, subject: Uuid, at: Timestamp) -> Result<(), KeyStoreError> {
        let mut client = self.client().await?;
        self.destroy(&mut client, subject, at, None).await
    }

    async fn pending_erasures(&self) -> Result<Vec<Uuid>, KeyStoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT data_subject_id FROM {} WHERE erasure_pending ORDER BY data_subject_id",
                    self.keys_table
                ),
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(KeyStoreError::from))
            .collect()
    }

    async fn export(&self) -> Result<Vec<KeyRecord>, KeyStoreError> {
        let client = self.client().await?;
        let mut out = Vec::new();
        for row in client
            .query(
                &format!(
                    "SELECT data_subject_id, key, created_at_us FROM {} ORDER BY data_subject_id",
                    self.keys_table
                ),
                &[],
            )
            .await?
        {
            let subject: Uuid = row.try_get(0)?;
            let key: Vec<u8> = row.try_get(1)?;
            out.push(KeyRecord {
                data_subject_id: subject,
                key: Some(BASE64.encode(key)),
                created_at: instant(row.try_get(2)?, subject)?,
                erased_at: None,
            });
        }
        for row in client
            .query(
                &format!(
                    "SELECT data_subject_id, created_at_us, erased_at_us FROM {} ORDER BY data_subject_id",
                    self.erased_table
                ),
                &[],
            )
            .await?
        {
            let subject: Uuid = row.try_get(0)?;
            out.push(KeyRecord {
                data_subject_id: subject,
                key: None,
                created_at: instant(row.try_get(1)?, subject)?,
                erased_at: Some(instant(row.try_get(2)?, subject)?),
            });
        }
        Ok(out)
    }

    async fn import(&self, records: &[KeyRecord]) -> Result<ImportReport, KeyStoreError> {
        let mut client = self.client().await?;
        let mut report = ImportReport::default();
        for (i, record) in records.iter().enumerate() {
            let subject = record.data_subject_id;
            let existing = self
                .read(&client, subject)
                .await?
                .map(|(key, _, erased)| (key, erased));
            match import_step(i + 1, record, existing)? {
                ImportStep::Add(key) => {
                    client
                        .execute(
                            &format!(
                                "INSERT INTO {} (data_subject_id, key, created_at_us) VALUES ($1, $2, $3)",
                                self.keys_table
                            ),
                            &[&subject, &key.bytes().as_slice(), &timestamp_micros(record.created_at)],
                        )
                        .await?;
                    report.added += 1;
                }
                ImportStep::Erase(at) => {
                    self.destroy(&mut client, subject, at, Some(record.created_at))
                        .await?;
                    report.erased += 1;
                }
                ImportStep::Unchanged => report.unchanged += 1,
                ImportStep::RefusedErased => report.refused_erased += 1,
            }
        }
        Ok(report)
    }
}

fn instant(us: i64, subject: Uuid) -> Result<Timestamp, KeyStoreError> {
    timestamp_from_micros(us).ok_or_else(|| KeyStoreError::Corrupt(subject.to_string()))
}

impl PostgresKeyStore {
    async fn set_pending(&self, subject: Uuid, pending: bool) -> Result<(), KeyStoreError> {
        let client = self.client().await?;
        client
            .execute(
                &format!(
                    "UPDATE {} SET erasure_pending = $2 WHERE data_subject_id = $1",
                    self.keys_table
                ),
                &[&subject, &pending],
            )
            .await?;
        Ok(())
    }
}
