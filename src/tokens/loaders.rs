//! Batch loads of API tokens by id (for `node`).

use super::model::ApiToken;
use super::store;
use crate::by_id_loader;
use crate::ids::ApiTokenId;

by_id_loader!(ApiTokenId => ApiToken, store::by_ids);
