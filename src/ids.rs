//! Typed ids. In the API every id is an opaque `ID` string `Type:number` (`Contact:42`);
//! inside, newtypes stop a segmentation id from being passed where a contact id belongs.

use async_graphql::ID;

pub trait TypedId: Copy + Eq + Ord + std::hash::Hash + Send + Sync + 'static {
    /// The GraphQL type name used as the id prefix.
    const TYPE_NAME: &'static str;
    fn new(raw: i64) -> Self;
    fn get(self) -> i64;

    fn to_id(self) -> ID {
        ID(format!("{}:{}", Self::TYPE_NAME, self.get()))
    }
}

macro_rules! typed_ids {
    ($($id:ident => $name:literal),+ $(,)?) => {$(
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            diesel_derive_newtype::DieselNewType,
        )]
        pub struct $id(pub i64);

        impl TypedId for $id {
            const TYPE_NAME: &'static str = $name;
            fn new(raw: i64) -> Self { Self(raw) }
            fn get(self) -> i64 { self.0 }
        }
    )+};
}

typed_ids! {
    CompanyId => "Company",
    UserId => "User",
    SegmentationId => "Segmentation",
    ReasonCodeId => "ReasonCode",
    DetailTypeId => "DetailType",
    AccountId => "Account",
    TemplateId => "LifecycleTemplate",
    CategoryId => "LifecycleCategory",
    StepId => "LifecycleStep",
    ContactId => "Contact",
    TransitionId => "StageTransition",
    BankAccountId => "ContactBankAccount",
    AddressId => "ContactAddress",
    EmailId => "ContactEmail",
    PhoneId => "ContactPhone",
    DocumentId => "Document",
    ApiTokenId => "ApiToken",
    ContactImportId => "ContactImport",
}

/// Why a string is not an id of the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Malformed,
    WrongType {
        expected: &'static str,
        found: String,
    },
}

impl IdError {
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Malformed => "INVALID_ID",
            IdError::WrongType { .. } => "WRONG_ID_TYPE",
        }
    }

    pub fn message(&self) -> String {
        match self {
            IdError::Malformed => "is not an id of the form Type:number".to_owned(),
            IdError::WrongType { expected, found } => {
                format!("is a {found} id where a {expected} id is expected")
            }
        }
    }
}

/// Splits `Type:number` into its parts.
pub fn split(id: &str) -> Result<(&str, i64), IdError> {
    let (type_name, number) = id.split_once(':').ok_or(IdError::Malformed)?;
    let number: i64 = number.parse().map_err(|_| IdError::Malformed)?;
    if type_name.is_empty() || number <= 0 {
        return Err(IdError::Malformed);
    }
    Ok((type_name, number))
}

pub fn parse<T: TypedId>(id: &ID) -> Result<T, IdError> {
    let (type_name, number) = split(id.as_str())?;
    if type_name != T::TYPE_NAME {
        return Err(IdError::WrongType {
            expected: T::TYPE_NAME,
            found: type_name.to_owned(),
        });
    }
    Ok(T::new(number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let id = ContactId(42).to_id();
        assert_eq!(id.as_str(), "Contact:42");
        assert_eq!(parse::<ContactId>(&id), Ok(ContactId(42)));
    }

    #[test]
    fn rejects_wrong_type_and_garbage() {
        let wrong = parse::<ContactId>(&ID::from("Company:1"));
        assert_eq!(
            wrong,
            Err(IdError::WrongType {
                expected: "Contact",
                found: "Company".into()
            })
        );
        for bad in [
            "",
            "42",
            "Contact:",
            "Contact:x",
            "Contact:-1",
            ":5",
            "Contact:0",
        ] {
            assert_eq!(
                parse::<ContactId>(&ID::from(bad)),
                Err(IdError::Malformed),
                "{bad}"
            );
        }
    }
}
