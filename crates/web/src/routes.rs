//! The route table: every route with the access it requires. Pages and the Open311 endpoint
//! are registered through it, so neither can be added without saying who may use it; API
//! routes are matched against the OpenAPI document. The authorisation matrix test is
//! generated from this table.

use axum::Router;
use axum::routing::MethodRouter;
use qinglian_domain::access::Action;

use crate::state::AppState;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in member of staff.
    SignedIn,
    /// Signed-in staff whose role may do this.
    Can(Action),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// A router that records the access of each route it registers.
pub struct Registrar {
    router: Router<AppState>,
    table: Vec<RouteSpec>,
}

impl Registrar {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    /// Registers `path` with its handlers and the access each method requires.
    pub fn route(
        mut self,
        path: &'static str,
        handlers: MethodRouter<AppState>,
        access: &[(&'static str, Access)],
    ) -> Self {
        self.router = self.router.route(path, handlers);
        self.table.extend(
            access
                .iter()
                .map(|&(method, access)| RouteSpec { method, path, access }),
        );
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.table)
    }
}

impl Default for Registrar {
    fn default() -> Self {
        Self::new()
    }
}

/// Every route the server answers, with its access: pages, API, operations.
pub fn route_table() -> Vec<RouteSpec> {
    let mut table = crate::pages::router_and_table().1;
    table.extend(crate::open311::router_and_table().1);
    table.extend(
        crate::api::ACCESS
            .iter()
            .map(|&(method, path, access)| RouteSpec { method, path, access }),
    );
    table.extend(OPERATIONS.iter().map(|&(method, path)| RouteSpec {
        method,
        path,
        access: Access::Public,
    }));
    table
}

/// Operations endpoints, public by design (they reveal no data).
pub const OPERATIONS: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/openapi.json"),
];
