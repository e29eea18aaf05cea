//! Live stage events: every committed transition is published to subscribers of
//! `contactStageChanged`. Publishing happens after the transaction commits, so a rolled-back
//! move is never announced.

use tokio::sync::broadcast;

use super::model::StageTransition;

/// A committed transition and the company of its contact (for scope and filters).
#[derive(Debug, Clone)]
pub struct StageEvent {
    pub transition: StageTransition,
    pub company_id: Option<crate::ids::CompanyId>,
}

#[derive(Clone)]
pub struct StageEvents {
    sender: broadcast::Sender<StageEvent>,
}

impl Default for StageEvents {
    fn default() -> Self {
        // A subscriber that falls this far behind skips events rather than slowing writers.
        let (sender, _) = broadcast::channel(1024);
        Self { sender }
    }
}

impl StageEvents {
    pub fn publish(&self, event: StageEvent) {
        // No subscribers is not an error.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StageEvent> {
        self.sender.subscribe()
    }
}
