//! `DateTime`: a UTC instant stored as `TIMESTAMP` (no zone) on both backends and exposed as an
//! RFC 3339 string. Values are kept at microsecond precision, the finest PostgreSQL stores.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Timelike, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::Timestamp)]
pub struct Timestamp(pub NaiveDateTime);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_utc(Utc::now())
    }

    pub fn from_utc(at: DateTime<Utc>) -> Self {
        let naive = at.naive_utc();
        Self(
            naive
                .with_nanosecond(naive.nanosecond() / 1_000 * 1_000)
                .unwrap_or(naive),
        )
    }

    pub fn to_rfc3339(self) -> String {
        self.0
            .and_utc()
            .to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

/// An RFC 3339 date and time in UTC, e.g. `2026-11-23T11:30:00Z`.
#[Scalar(name = "DateTime")]
impl ScalarType for Timestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => DateTime::parse_from_rfc3339(text)
                .map(|at| Self::from_utc(at.with_timezone(&Utc)))
                .map_err(|_| InputValueError::custom("expected an RFC 3339 date and time")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_rfc3339())
    }
}

impl<DB> ToSql<sql_types::Timestamp, DB> for Timestamp
where
    DB: Backend,
    NaiveDateTime: ToSql<sql_types::Timestamp, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.to_sql(out)
    }
}

impl<DB> FromSql<sql_types::Timestamp, DB> for Timestamp
where
    DB: Backend,
    NaiveDateTime: FromSql<sql_types::Timestamp, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        NaiveDateTime::from_sql(bytes).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_microseconds_and_prints_utc() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456789+02:00")
            .expect("valid")
            .with_timezone(&Utc);
        let ts = Timestamp::from_utc(at);
        assert_eq!(ts.to_rfc3339(), "2026-01-02T01:04:05.123456Z");
        let parsed = <Timestamp as ScalarType>::parse(Value::String(ts.to_rfc3339()));
        assert_eq!(parsed.ok(), Some(ts));
    }

    #[test]
    fn rejects_non_rfc3339() {
        assert!(<Timestamp as ScalarType>::parse(Value::String("yesterday".into())).is_err());
        assert!(<Timestamp as ScalarType>::parse(Value::Number(5.into())).is_err());
    }
}
