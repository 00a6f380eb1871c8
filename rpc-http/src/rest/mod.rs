//! REST resources: every method with `#[rest(...)]` as a route, its params
//! merged by name from the path, the query string (GET, DELETE) or the JSON
//! body (POST, PUT, PATCH), through the same dispatcher as every protocol.

mod coalesce;
mod events;
mod params;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use rpc_core::{Dispatcher, MethodMeta, Params, Protocol, RestMethod};

use self::params::{BodyShape, RestParams};
use crate::{Problem, body};

struct Route {
    dispatcher: Dispatcher,
    method: &'static MethodMeta,
    shape: BodyShape,
    limits: body::Limits,
}

/// The routes of every method that has one, grouped by path.
pub(crate) fn routes(dispatcher: &Dispatcher, limits: body::Limits) -> Router {
    let mut by_path: BTreeMap<&'static str, Vec<&'static MethodMeta>> = BTreeMap::new();
    for service in dispatcher.services() {
        for method in service.methods {
            if let Some(route) = &method.rest {
                by_path.entry(route.path).or_default().push(method);
            }
        }
    }
    let mut router = Router::new();
    for (path, methods) in by_path {
        let allow: Vec<&str> = methods
            .iter()
            .filter_map(|m| m.rest.map(|r| r.method.as_str()))
            .collect();
        let allow = allow.join(", ");
        let mut method_router = MethodRouter::new();
        for method in methods {
            let Some(rest) = method.rest else { continue };
            let route = Arc::new(Route {
                dispatcher: dispatcher.clone(),
                method,
                shape: shape(method),
                limits,
            });
            // The handler's future is `serve`'s own, not a block around it
            // that would hold the request a second time.
            let handler = move |request: Request| serve(Arc::clone(&route), request);
            method_router = method_router.on(filter(rest.method), handler);
        }
        let fallback = move |method: http::Method| {
            let allow = allow.clone();
            async move { method_not_allowed(&method, &allow) }
        };
        router = router.route(path, method_router.fallback(fallback));
    }
    router
}

fn filter(method: RestMethod) -> MethodFilter {
    match method {
        RestMethod::Get => MethodFilter::GET,
        RestMethod::Post => MethodFilter::POST,
        RestMethod::Put => MethodFilter::PUT,
        RestMethod::Patch => MethodFilter::PATCH,
        RestMethod::Delete => MethodFilter::DELETE,
    }
}

/// Where the arguments that are not in the path come from.
pub(crate) fn shape(method: &MethodMeta) -> BodyShape {
    let Some(rest) = method.rest else {
        return BodyShape::Query;
    };
    if !rest.method.has_body() {
        return BodyShape::Query;
    }
    let mut in_body = method.params.iter().filter(|p| !in_path(rest.path, p.name));
    match (in_body.next(), in_body.next()) {
        (Some(only), None) => BodyShape::Whole(only.name),
        _ => BodyShape::Fields,
    }
}

/// Whether `{name}` is a placeholder of `path`.
pub(crate) fn in_path(path: &str, name: &str) -> bool {
    path.split('/')
        .any(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) == Some(name))
}

fn serve(route: Arc<Route>, request: Request) -> impl Future<Output = Response> + Send {
    // A block over the request's parts, not an `async fn`, which would keep
    // the whole request beside them in its future.
    let (mut parts, body) = request.into_parts();
    async move {
        let path = match RawPathParams::from_request_parts(&mut parts, &()).await {
            Ok(params) => params,
            Err(rejection) => {
                return Problem::new(StatusCode::BAD_REQUEST, rejection.body_text())
                    .into_response();
            }
        };
        let query = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let body = if matches!(route.shape, BodyShape::Query) {
            Bytes::new()
        } else {
            if let Err(problem) =
                body::check_content_type(&parts.headers, "application/json", body::is_json)
            {
                return problem.into_response();
            }
            match body::read(body, &parts.headers, route.limits).await {
                Ok(bytes) => bytes,
                Err(problem) => return problem.into_response(),
            }
        };
        let params = RestParams {
            path,
            query,
            body,
            shape: route.shape,
        };
        // A subscription's stream ends when the server shuts down.
        let watcher = crate::Watcher::of(&parts.extensions);
        let context = crate::context::from_parts(Protocol::Rest, parts);
        let request = rpc_core::Request::new(route.method.name, Params::named(params), context);
        let response = match route.dispatcher.call(request).await.into_stream() {
            // A subscription: its items as Server-Sent Events.
            Ok(items) => return events::respond(route.method.name, items, watcher),
            Err(response) => response,
        };
        match response.into_result() {
            Ok(value) => {
                let status = route
                    .method
                    .rest
                    .and_then(|r| StatusCode::from_u16(r.status).ok())
                    .unwrap_or(StatusCode::OK);
                if status == StatusCode::NO_CONTENT {
                    return status.into_response();
                }
                // Room for a typical answer: growing by doubling from small costs
                // copies.
                let mut json = Vec::with_capacity(512);
                match value.write_json(&mut json) {
                    Ok(()) => body::answer(status, json, "application/json"),
                    Err(err) => {
                        tracing::error!(error = %err, method = route.method.name, "cannot serialize a result as JSON");
                        Problem::new(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal error: the result cannot be encoded",
                        )
                        .into_response()
                    }
                }
            }
            Err(err) => Problem::from(&err).into_response(),
        }
    }
}

fn method_not_allowed(method: &http::Method, allow: &str) -> Response {
    let problem = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on this resource: use {allow}"),
    );
    let mut response = problem.into_response();
    if let Ok(allow) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

/// The fallback for paths that are no resource: 404 as a problem document.
///
/// [`RpcRouter`](crate::RpcRouter) installs no fallback, so that its router
/// merges into yours whatever fallback yours has; set this one on the
/// outermost router:
///
/// ```
/// let app: axum::Router = axum::Router::new().fallback(rpc_http::not_found);
/// # let _ = app;
/// ```
pub async fn not_found(uri: http::Uri) -> Response {
    Problem::new(
        StatusCode::NOT_FOUND,
        format!("no resource at {}", uri.path()),
    )
    .into_response()
}
