//! `contactStats` and `reasonCodeStats`.

use std::collections::BTreeMap;

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};

use super::store::{self, Period, ReasonFilter, ReasonGrouping};
use crate::contacts::list::{ContactFilter, PageArgs};
use crate::contacts::model::ContactStatus;
use crate::error::AppResult;
use crate::graphql::context::{db, load_opt, viewer};
use crate::ids::{
    CategoryId, CompanyId, ReasonCodeId, SegmentationId, StepId, TemplateId, TypedId, UserId,
};
use crate::lifecycle::model::{LifecycleCategory, LifecycleStep, StepOutcome};
use crate::settings::load_company;
use crate::settings::model::{Company, ReasonCode, Segmentation, User};
use crate::time::Timestamp;
use crate::validation::Validator;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ContactStatsGroup {
    Status,
    Company,
    Segmentation,
    ReasonCode,
    Owner,
    Step,
    Category,
}

/// Contacts sharing the grouped values (fields not grouped by are null).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ContactStat {
    pub status: Option<ContactStatus>,
    #[graphql(skip)]
    pub company_id: Option<CompanyId>,
    #[graphql(skip)]
    pub segmentation_id: Option<SegmentationId>,
    #[graphql(skip)]
    pub reason_code_id: Option<ReasonCodeId>,
    #[graphql(skip)]
    pub owner_id: Option<UserId>,
    #[graphql(skip)]
    pub step_id: Option<StepId>,
    #[graphql(skip)]
    pub category_id: Option<CategoryId>,
    pub count: i64,
}

#[ComplexObject]
impl ContactStat {
    async fn company(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Company>> {
        load_company(ctx, self.company_id).await
    }
    async fn segmentation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Segmentation>> {
        load_opt(ctx, self.segmentation_id).await
    }
    async fn reason_code(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ReasonCode>> {
        load_opt(ctx, self.reason_code_id).await
    }
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_opt(ctx, self.owner_id).await
    }
    async fn step(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LifecycleStep>> {
        load_opt(ctx, self.step_id).await
    }
    async fn category(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<LifecycleCategory>> {
        load_opt(ctx, self.category_id).await
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ReasonCodeStatsGroup {
    ReasonCode,
    Company,
    Segmentation,
    Owner,
    Outcome,
    Period,
}

#[derive(Debug, Default, InputObject)]
pub struct ReasonCodeStatsFilter {
    pub company_ids: Option<Vec<ID>>,
    /// Closings at or after.
    pub from: Option<Timestamp>,
    /// Closings before.
    pub to: Option<Timestamp>,
    /// WON and/or LOST.
    pub outcomes: Option<Vec<StepOutcome>>,
    pub segmentation_ids: Option<Vec<ID>>,
    pub owner_ids: Option<Vec<ID>>,
    pub template_ids: Option<Vec<ID>>,
}

/// Closings sharing the grouped values; a null `reasonCode` when grouped by reason means
/// closings recorded without one.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ReasonCodeStat {
    #[graphql(skip)]
    pub reason_code_id: Option<ReasonCodeId>,
    #[graphql(skip)]
    pub company_id: Option<CompanyId>,
    #[graphql(skip)]
    pub segmentation_id: Option<SegmentationId>,
    #[graphql(skip)]
    pub owner_id: Option<UserId>,
    pub outcome: Option<StepOutcome>,
    /// The first day (UTC) of the period, `YYYY-MM-DD`; weeks start on Monday.
    pub period: Option<String>,
    pub count: i64,
    /// This row's part of all filtered closings, 0–1.
    pub share: f64,
}

#[ComplexObject]
impl ReasonCodeStat {
    async fn reason_code(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ReasonCode>> {
        load_opt(ctx, self.reason_code_id).await
    }
    async fn company(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Company>> {
        load_company(ctx, self.company_id).await
    }
    async fn segmentation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Segmentation>> {
        load_opt(ctx, self.segmentation_id).await
    }
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_opt(ctx, self.owner_id).await
    }
}

fn ids<T: TypedId + Ord>(v: &mut Validator, path: &str, ids: &Option<Vec<ID>>) -> Option<Vec<i64>> {
    ids.as_ref()
        .map(|ids| v.ids::<T>(path, ids).into_iter().map(T::get).collect())
}

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// Contacts by their current state, for dashboards.
    async fn contact_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContactFilter>,
        group_by: Vec<ContactStatsGroup>,
    ) -> AppResult<Vec<ContactStat>> {
        viewer(ctx).may_read_analytics()?;
        let page = PageArgs::filter_only(filter.as_ref()).validate()?;
        let viewer = viewer(ctx);
        let mut conn = db(ctx).conn().await?;
        let rows = store::contact_state_counts(&mut conn, viewer, &page.filter).await?;
        let wants = |g: ContactStatsGroup| group_by.contains(&g);
        let steps: BTreeMap<i64, i64> = if wants(ContactStatsGroup::Category) {
            let ids: Vec<StepId> = rows.iter().filter_map(|r| r.5.map(StepId)).collect();
            crate::lifecycle::steps_by_ids(&mut conn, viewer, &ids)
                .await?
                .into_iter()
                .map(|s| (s.id.get(), s.category_id.get()))
                .collect()
        } else {
            BTreeMap::new()
        };
        type Key = (Option<&'static str>, [Option<i64>; 6]);
        let mut rolled: BTreeMap<Key, i64> = BTreeMap::new();
        for (status, company, segmentation, reason, owner, step, count) in rows {
            let keep = |g, value: Option<i64>| if wants(g) { value } else { None };
            let key = (
                wants(ContactStatsGroup::Status).then_some(status.as_str()),
                [
                    keep(ContactStatsGroup::Company, company),
                    keep(ContactStatsGroup::Segmentation, segmentation),
                    keep(ContactStatsGroup::ReasonCode, reason),
                    keep(ContactStatsGroup::Owner, owner),
                    keep(ContactStatsGroup::Step, step),
                    keep(
                        ContactStatsGroup::Category,
                        step.and_then(|s| steps.get(&s).copied()),
                    ),
                ],
            );
            *rolled.entry(key).or_default() += count;
        }
        let mut stats: Vec<ContactStat> = rolled
            .into_iter()
            .map(
                |((status, [company, segmentation, reason, owner, step, category]), count)| {
                    ContactStat {
                        status: status.and_then(|s| s.parse().ok()),
                        company_id: company.map(CompanyId),
                        segmentation_id: segmentation.map(SegmentationId),
                        reason_code_id: reason.map(ReasonCodeId),
                        owner_id: owner.map(UserId),
                        step_id: step.map(StepId),
                        category_id: category.map(CategoryId),
                        count,
                    }
                },
            )
            .collect();
        stats.sort_by_key(|s| std::cmp::Reverse(s.count));
        Ok(stats)
    }

    /// Why deals closed: closing transitions (into WON or LOST steps) in `[from, to)`, grouped.
    async fn reason_code_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReasonCodeStatsFilter>,
        group_by: Vec<ReasonCodeStatsGroup>,
        #[graphql(default_with = "Period::Month")] period: Period,
    ) -> AppResult<Vec<ReasonCodeStat>> {
        viewer(ctx).may_read_analytics()?;
        let filter = filter.unwrap_or_default();
        let mut v = Validator::new();
        let sql_filter = ReasonFilter {
            company_ids: ids::<CompanyId>(&mut v, "filter.companyIds", &filter.company_ids),
            from: filter.from,
            to: filter.to,
            outcomes: filter
                .outcomes
                .as_ref()
                .map(|o| o.iter().map(|o| o.as_str().to_owned()).collect()),
            segmentation_ids: ids::<SegmentationId>(
                &mut v,
                "filter.segmentationIds",
                &filter.segmentation_ids,
            ),
            owner_ids: ids::<UserId>(&mut v, "filter.ownerIds", &filter.owner_ids),
            template_ids: ids::<TemplateId>(&mut v, "filter.templateIds", &filter.template_ids),
        };
        v.finish()?;
        let wants = |g: ReasonCodeStatsGroup| group_by.contains(&g);
        let grouping = ReasonGrouping {
            reason_code: wants(ReasonCodeStatsGroup::ReasonCode),
            company: wants(ReasonCodeStatsGroup::Company),
            segmentation: wants(ReasonCodeStatsGroup::Segmentation),
            owner: wants(ReasonCodeStatsGroup::Owner),
            outcome: wants(ReasonCodeStatsGroup::Outcome),
            period: wants(ReasonCodeStatsGroup::Period).then_some(period),
        };
        let mut conn = db(ctx).conn().await?;
        let rows =
            store::closing_reason_counts(&mut conn, viewer(ctx), &sql_filter, grouping).await?;
        let total: i64 = rows.iter().map(|r| r.count).sum();
        let mut stats: Vec<ReasonCodeStat> = rows
            .into_iter()
            .filter(|r| r.count > 0)
            .map(|r| ReasonCodeStat {
                reason_code_id: r.reason_code_id.map(ReasonCodeId),
                company_id: r.company_id.map(CompanyId),
                segmentation_id: r.segmentation_id.map(SegmentationId),
                owner_id: r.owner_id.map(UserId),
                outcome: r.outcome.and_then(|o| o.parse().ok()),
                period: r.period,
                share: if total > 0 {
                    r.count as f64 / total as f64
                } else {
                    0.0
                },
                count: r.count,
            })
            .collect();
        stats.sort_by(|a, b| {
            a.period
                .cmp(&b.period)
                .then(b.count.cmp(&a.count))
                .then(a.reason_code_id.cmp(&b.reason_code_id))
        });
        Ok(stats)
    }
}
