//! vigil-testkit
