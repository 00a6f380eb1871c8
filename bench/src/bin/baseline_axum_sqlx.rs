//! The hand-written baseline on PostgreSQL: the same REST route, written
//! directly on axum and sqlx with the same query as the example's store
//! (`datacenter::SqlStore`), on a pool of the same size.
//! Usage: baseline_axum_sqlx ADDR DATABASE_URL

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use datacenter::Server;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

const ACTIVE: &str = "SELECT id, hostname, country, datacenter, active FROM servers \
    WHERE ($1 IS NULL OR country = $1) AND ($2 IS NULL OR active = $2) ORDER BY id";

async fn active(
    State(pool): State<PgPool>,
    Path(country): Path<u32>,
) -> Result<Json<Vec<Server>>, StatusCode> {
    let rows: Vec<(i64, String, i64, String, bool)> = sqlx::query_as(ACTIVE)
        .bind(Some(i64::from(country)))
        .bind(Some(true))
        .fetch_all(&pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let servers = rows
        .into_iter()
        .map(|(id, hostname, country, datacenter, active)| Server {
            id: id as u32,
            hostname,
            country: country as u32,
            datacenter,
            active,
        })
        .collect();
    Ok(Json(servers))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9007".into());
    let url = args
        .next()
        .expect("usage: baseline_axum_sqlx ADDR DATABASE_URL");
    // Created, migrated and seeded as the example does it.
    datacenter::SqlStore::open(&url).await.unwrap();
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect(&url)
        .await
        .unwrap();
    let app = Router::new()
        .route("/country/{country}/server/active", get(active))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    println!("ready");
    axum::serve(listener, app).await.unwrap();
}
