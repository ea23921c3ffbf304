//! A PostgreSQL database of a test's own, on the server at 127.0.0.1:5432 (or
//! `CONCORD_TEST_POSTGRES`), dropped when the test ends.

use sqlx::{Connection, Executor, PgConnection};

pub fn server_url() -> String {
    std::env::var("CONCORD_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A fresh database, dropped when the test ends.
pub struct Db {
    name: String,
    pub url: String,
}

impl Db {
    pub async fn new() -> Self {
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).unwrap();
        let name = format!("concord_cli_{}", hex::encode(seed));
        let mut c = PgConnection::connect(&format!("{}/postgres", server_url())).await.unwrap();
        c.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
        Self { url: format!("{}/{name}", server_url()), name }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let (url, name) = (format!("{}/postgres", server_url()), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&url).await {
                    let _ = c.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                }
            });
        })
        .join();
    }
}
