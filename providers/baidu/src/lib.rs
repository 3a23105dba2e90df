//! vigil-provider-baidu
