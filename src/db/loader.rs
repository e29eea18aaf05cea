//! The per-request batch reader behind every DataLoader. Each feature module implements
//! `Loader<Key>` for `Reader` beside its store, one small key type per relation.

use async_graphql::dataloader::DataLoader;

use super::{Conn, Db};
use crate::viewer::Viewer;

pub struct Reader {
    pub db: Db,
    pub viewer: Viewer,
}

pub type Loaders = DataLoader<Reader>;

/// Loader errors must be `Clone`; this is the client-facing error (details already logged).
pub type LoadError = async_graphql::Error;

impl Reader {
    /// Loaders for one request; `spawner` starts their batch tasks. They start as soon as they
    /// run: the spawner decides when that is.
    pub fn loaders(
        db: Db,
        viewer: Viewer,
        spawner: impl Fn(futures_util::future::BoxFuture<'static, ()>) + Send + Sync + 'static,
    ) -> Loaders {
        DataLoader::new(Self { db, viewer }, spawner).delay(std::time::Duration::ZERO)
    }

    pub async fn conn(&self) -> Result<Conn, LoadError> {
        self.db.conn().await.map_err(LoadError::from)
    }
}

/// Implements `Loader<$key>` for [`Reader`] with a store function
/// `async fn(&mut Conn, &Viewer, &[$key]) -> AppResult<Vec<$row>>` whose rows have an `id: $key`.
#[macro_export]
macro_rules! by_id_loader {
    ($key:ident => $row:ident, $load:path) => {
        impl async_graphql::dataloader::Loader<$key> for $crate::db::loader::Reader {
            type Value = $row;
            type Error = $crate::db::loader::LoadError;

            async fn load(
                &self,
                keys: &[$key],
            ) -> Result<std::collections::HashMap<$key, $row>, Self::Error> {
                let mut conn = self.conn().await?;
                let rows = $load(&mut conn, &self.viewer, keys).await?;
                Ok(rows.into_iter().map(|row| (row.id, row)).collect())
            }
        }
    };
}

/// Implements `Loader<$key>` for [`Reader`] for a one-to-many relation: `$key(parent)` maps to
/// the rows whose `$parent` field is `parent`, in the order the store returns them.
#[macro_export]
macro_rules! children_loader {
    ($key:ident($parent_id:ty) => $row:ty, $load:path, $parent:ident) => {
        impl async_graphql::dataloader::Loader<$key> for $crate::db::loader::Reader {
            type Value = Vec<$row>;
            type Error = $crate::db::loader::LoadError;

            async fn load(
                &self,
                keys: &[$key],
            ) -> Result<std::collections::HashMap<$key, Vec<$row>>, Self::Error> {
                let ids: Vec<$parent_id> = keys.iter().map(|k| k.0).collect();
                let mut conn = self.conn().await?;
                let mut grouped: std::collections::HashMap<$key, Vec<$row>> =
                    std::collections::HashMap::new();
                for row in $load(&mut conn, &self.viewer, &ids).await? {
                    grouped.entry($key(row.$parent)).or_default().push(row);
                }
                Ok(grouped)
            }
        }
    };
}
