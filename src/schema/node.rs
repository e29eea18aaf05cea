//! The `Node` interface and `node(id)` / `nodes(ids)`: any object by its global id.

use async_graphql::{Context, ID, Interface, Object};

use crate::contacts::model::{
    Contact, ContactAddress, ContactBankAccount, ContactEmail, ContactPhone,
};
use crate::documents::model::Document;
use crate::error::{AppError, AppResult};
use crate::graphql::context::loaders;
use crate::ids::{
    self, AccountId, AddressId, BankAccountId, CategoryId, CompanyId, ContactId, DetailTypeId,
    EmailId, PhoneId, ReasonCodeId, SegmentationId, StepId, TemplateId, TypedId, UserId,
};
use crate::ids::{ApiTokenId, DocumentId, TransitionId};
use crate::lifecycle::model::{
    LifecycleCategory, LifecycleStep, LifecycleTemplate, StageTransition,
};
use crate::settings::model::{Account, Company, DetailType, ReasonCode, Segmentation, User};
use crate::tokens::model::ApiToken;
use crate::validation::Validator;

/// An object with a global id of the form `Type:number`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Contact(Contact),
    StageTransition(StageTransition),
    ContactEmail(ContactEmail),
    ContactPhone(ContactPhone),
    ContactAddress(ContactAddress),
    ContactBankAccount(ContactBankAccount),
    Document(Document),
    Company(Company),
    User(User),
    Segmentation(Segmentation),
    ReasonCode(ReasonCode),
    DetailType(DetailType),
    Account(Account),
    LifecycleTemplate(LifecycleTemplate),
    LifecycleCategory(LifecycleCategory),
    LifecycleStep(LifecycleStep),
    ApiToken(ApiToken),
}

/// Most ids `nodes` resolves in one call.
const MAX_NODES: usize = 200;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this id, or null when it does not exist or is out of the viewer's scope.
    /// An id of an unknown type is BAD_USER_INPUT.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Node>> {
        let mut v = Validator::new();
        let key = parse_node_id(&mut v, "id", &id);
        let key = v.require(key)?;
        load(ctx, key).await
    }

    /// The objects with these ids, in the same order; null where one does not exist.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> AppResult<Vec<Option<Node>>> {
        let mut v = Validator::new();
        if ids.len() > MAX_NODES {
            v.push(
                "ids",
                crate::validation::code::OUT_OF_RANGE,
                format!("at most {MAX_NODES} ids"),
            );
        }
        let keys: Vec<Option<NodeKey>> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| parse_node_id(&mut v, &format!("ids[{i}]"), id))
            .collect();
        v.finish()?;
        let loads = keys.into_iter().flatten().map(|key| load(ctx, key));
        futures_util::future::try_join_all(loads).await
    }
}

#[derive(Debug, Clone, Copy)]
enum NodeKey {
    Contact(ContactId),
    Transition(TransitionId),
    Email(EmailId),
    Phone(PhoneId),
    Address(AddressId),
    BankAccount(BankAccountId),
    Document(DocumentId),
    Company(CompanyId),
    User(UserId),
    Segmentation(SegmentationId),
    ReasonCode(ReasonCodeId),
    DetailType(DetailTypeId),
    Account(AccountId),
    Template(TemplateId),
    Category(CategoryId),
    Step(StepId),
    ApiToken(ApiTokenId),
}

fn parse_node_id(v: &mut Validator, path: &str, id: &ID) -> Option<NodeKey> {
    let (type_name, n) = match ids::split(id.as_str()) {
        Ok(parts) => parts,
        Err(error) => {
            v.push(path, error.code(), error.message());
            return None;
        }
    };
    let key = match type_name {
        ContactId::TYPE_NAME => NodeKey::Contact(ContactId(n)),
        TransitionId::TYPE_NAME => NodeKey::Transition(TransitionId(n)),
        EmailId::TYPE_NAME => NodeKey::Email(EmailId(n)),
        PhoneId::TYPE_NAME => NodeKey::Phone(PhoneId(n)),
        AddressId::TYPE_NAME => NodeKey::Address(AddressId(n)),
        BankAccountId::TYPE_NAME => NodeKey::BankAccount(BankAccountId(n)),
        DocumentId::TYPE_NAME => NodeKey::Document(DocumentId(n)),
        CompanyId::TYPE_NAME => NodeKey::Company(CompanyId(n)),
        UserId::TYPE_NAME => NodeKey::User(UserId(n)),
        SegmentationId::TYPE_NAME => NodeKey::Segmentation(SegmentationId(n)),
        ReasonCodeId::TYPE_NAME => NodeKey::ReasonCode(ReasonCodeId(n)),
        DetailTypeId::TYPE_NAME => NodeKey::DetailType(DetailTypeId(n)),
        AccountId::TYPE_NAME => NodeKey::Account(AccountId(n)),
        TemplateId::TYPE_NAME => NodeKey::Template(TemplateId(n)),
        CategoryId::TYPE_NAME => NodeKey::Category(CategoryId(n)),
        StepId::TYPE_NAME => NodeKey::Step(StepId(n)),
        ApiTokenId::TYPE_NAME => NodeKey::ApiToken(ApiTokenId(n)),
        other => {
            v.push(
                path,
                "WRONG_ID_TYPE",
                format!("{other} is not a type of this API"),
            );
            return None;
        }
    };
    Some(key)
}

async fn load(ctx: &Context<'_>, key: NodeKey) -> AppResult<Option<Node>> {
    let loaders = loaders(ctx);
    let found = match key {
        NodeKey::Contact(id) => loaders.load_one(id).await.map(|n| n.map(Node::Contact)),
        NodeKey::Transition(id) => loaders
            .load_one(id)
            .await
            .map(|n| n.map(Node::StageTransition)),
        NodeKey::Email(id) => loaders
            .load_one(id)
            .await
            .map(|n| n.map(Node::ContactEmail)),
        NodeKey::Phone(id) => loaders
            .load_one(id)
            .await
            .map(|n| n.map(Node::ContactPhone)),
        NodeKey::Address(id) => loaders
            .load_one(id)
            .await
            .map(|n| n.map(Node::ContactAddress)),
        NodeKey::BankAccount(id) => loaders
            .load_one(id)
            .await
            .map(|n| n.map(Node::ContactBankAccount)),
        NodeKey::Document(id) => loaders.load_one(id).await.map(|n| n.map(Node::Document)),
        NodeKey::Company(id) => loaders.load_one(id).await.map(|n| n.map(Node::Company)),
        NodeKey::User(id) => loaders.load_one(id).await.map(|n| n.map(Node::User)),
        NodeKey::Segmentation(id) => loaders
            .load_one(id)
            .await
            .map(|n| n.map(Node::Segmentation)),
        NodeKey::ReasonCode(id) => loaders.load_one(id).await.map(|n| n.map(Node::ReasonCode)),
        NodeKey::DetailType(id) => loaders.load_one(id).await.map(|n| n.map(Node::DetailType)),
        NodeKey::Account(id) => loaders.load_one(id).await.map(|n| n.map(Node::Account)),
        NodeKey::Template(id) => loaders
            .load_one(id)
            .await
            .map(|n| n.map(Node::LifecycleTemplate)),
        NodeKey::Category(id) => loaders
            .load_one(id)
            .await
            .map(|n| n.map(Node::LifecycleCategory)),
        NodeKey::Step(id) => loaders
            .load_one(id)
            .await
            .map(|n| n.map(Node::LifecycleStep)),
        NodeKey::ApiToken(id) => loaders.load_one(id).await.map(|n| n.map(Node::ApiToken)),
    };
    found.map_err(|error| AppError::internal(anyhow::anyhow!("loading a node: {}", error.message)))
}
