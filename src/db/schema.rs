// One schema for both backends. Ids are BIGINT everywhere (an `INTEGER PRIMARY KEY` on SQLite);
// enum-like columns are TEXT guarded by CHECK constraints in the migrations.

diesel::table! {
    /// Written by triggers only (migration `2026-12-07-000002_audit`).
    audit_entries (id) {
        id -> BigInt,
        entity_type -> Text,
        entity_id -> BigInt,
        contact_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        action -> Text,
        actor_id -> Nullable<BigInt>,
        occurred_at -> Timestamp,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::table! {
    companies (id) {
        id -> BigInt,
        name -> Text,
        code -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        email -> Text,
        role -> Text,
        company_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    segmentations (id) {
        id -> BigInt,
        name -> Text,
        company_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reason_codes (id) {
        id -> BigInt,
        code -> Text,
        description -> Nullable<Text>,
        outcome -> Text,
        company_id -> Nullable<BigInt>,
        archived -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    detail_types (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        company_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        name -> Text,
        company_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contact_accounts (contact_id, account_id) {
        contact_id -> BigInt,
        account_id -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lifecycle_templates (id) {
        id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        company_id -> Nullable<BigInt>,
        is_default -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lifecycle_categories (id) {
        id -> BigInt,
        template_id -> BigInt,
        name -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lifecycle_steps (id) {
        id -> BigInt,
        category_id -> BigInt,
        name -> Text,
        position -> Integer,
        outcome -> Text,
        requires_reason -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The live contacts: a view of `contact_records` without the trash. Read from it; write
    /// to `contact_records`.
    contacts (id) {
        id -> BigInt,
        name -> Text,
        full_name -> Nullable<Text>,
        scoring -> Nullable<Double>,
        company_id -> Nullable<BigInt>,
        segmentation_id -> Nullable<BigInt>,
        reason_code_id -> Nullable<BigInt>,
        owner_id -> Nullable<BigInt>,
        lifecycle_template_id -> Nullable<BigInt>,
        current_step_id -> Nullable<BigInt>,
        status -> Text,
        stage_changed_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Every contact, the trash (`deleted_at` set) included.
    contact_records (id) {
        id -> BigInt,
        name -> Text,
        full_name -> Nullable<Text>,
        scoring -> Nullable<Double>,
        company_id -> Nullable<BigInt>,
        segmentation_id -> Nullable<BigInt>,
        reason_code_id -> Nullable<BigInt>,
        owner_id -> Nullable<BigInt>,
        lifecycle_template_id -> Nullable<BigInt>,
        current_step_id -> Nullable<BigInt>,
        status -> Text,
        stage_changed_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    lifecycle_monthly_progress (contact_id, template_id, month) {
        contact_id -> BigInt,
        template_id -> BigInt,
        month -> Timestamp,
        furthest_step_id -> BigInt,
    }
}

diesel::table! {
    lifecycle_progress (contact_id, template_id) {
        contact_id -> BigInt,
        template_id -> BigInt,
        furthest_step_id -> BigInt,
    }
}

diesel::table! {
    stage_transitions (id) {
        id -> BigInt,
        contact_id -> BigInt,
        from_step_id -> Nullable<BigInt>,
        to_step_id -> BigInt,
        reason_code_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
        actor_id -> Nullable<BigInt>,
        occurred_at -> Timestamp,
        dwell_seconds -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contact_bank_accounts (id) {
        id -> BigInt,
        contact_id -> BigInt,
        name -> Text,
        iban -> Text,
        swift -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contact_addresses (id) {
        id -> BigInt,
        contact_id -> BigInt,
        address -> Text,
        country -> Nullable<Text>,
        state -> Nullable<Text>,
        city -> Nullable<Text>,
        zip_code -> Text,
        locality -> Text,
        type_id -> Nullable<BigInt>,
        is_primary -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contact_emails (id) {
        id -> BigInt,
        contact_id -> BigInt,
        email -> Text,
        type_id -> Nullable<BigInt>,
        is_primary -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contact_phones (id) {
        id -> BigInt,
        contact_id -> BigInt,
        number -> Text,
        type_id -> Nullable<BigInt>,
        is_primary -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contact_documents (id) {
        id -> BigInt,
        contact_id -> BigInt,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        uploaded_by -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(users -> companies (company_id));
diesel::joinable!(segmentations -> companies (company_id));
diesel::joinable!(reason_codes -> companies (company_id));
diesel::joinable!(detail_types -> companies (company_id));
diesel::joinable!(accounts -> companies (company_id));
diesel::joinable!(lifecycle_templates -> companies (company_id));
diesel::joinable!(lifecycle_categories -> lifecycle_templates (template_id));
diesel::joinable!(lifecycle_steps -> lifecycle_categories (category_id));
diesel::joinable!(contacts -> companies (company_id));
diesel::joinable!(contacts -> segmentations (segmentation_id));
diesel::joinable!(contacts -> reason_codes (reason_code_id));
diesel::joinable!(contacts -> users (owner_id));
diesel::joinable!(contacts -> lifecycle_templates (lifecycle_template_id));
diesel::joinable!(contacts -> lifecycle_steps (current_step_id));
diesel::joinable!(contact_accounts -> contacts (contact_id));
diesel::joinable!(contact_accounts -> accounts (account_id));
diesel::table! {
    user_companies (user_id, company_id) {
        user_id -> BigInt,
        company_id -> BigInt,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        read_only -> Bool,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contact_imports (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        file_name -> Text,
        mode -> Text,
        dry_run -> Bool,
        status -> Text,
        total_rows -> BigInt,
        processed_rows -> BigInt,
        created -> BigInt,
        updated -> BigInt,
        failed -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contact_import_rows (import_id, row_number) {
        import_id -> BigInt,
        row_number -> BigInt,
        status -> Text,
        contact_id -> Nullable<BigInt>,
        errors -> Text,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(contact_import_rows -> contact_imports (import_id));
diesel::joinable!(user_companies -> companies (company_id));
diesel::joinable!(user_companies -> users (user_id));
diesel::joinable!(stage_transitions -> contacts (contact_id));
diesel::joinable!(contact_bank_accounts -> contacts (contact_id));
diesel::joinable!(contact_addresses -> contacts (contact_id));
diesel::joinable!(contact_emails -> contacts (contact_id));
diesel::joinable!(contact_phones -> contacts (contact_id));
diesel::joinable!(contact_documents -> contacts (contact_id));
diesel::joinable!(contact_emails -> detail_types (type_id));
diesel::joinable!(contact_phones -> detail_types (type_id));
diesel::joinable!(contact_addresses -> detail_types (type_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_entries,
    contact_records,
    companies,
    users,
    segmentations,
    reason_codes,
    detail_types,
    accounts,
    contact_accounts,
    lifecycle_templates,
    lifecycle_categories,
    lifecycle_steps,
    contacts,
    stage_transitions,
    contact_bank_accounts,
    contact_addresses,
    contact_emails,
    contact_phones,
    contact_documents,
    lifecycle_monthly_progress,
    lifecycle_progress,
    user_companies,
    api_tokens,
    contact_imports,
    contact_import_rows,
);
