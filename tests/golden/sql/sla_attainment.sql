SELECT
  "t8"."period_start",
  "t8"."_d_channel" AS "channel",
  "t8"."numerator",
  "t8"."denominator"
FROM (
  SELECT
    "t7"."period_start",
    "t7"."_d_channel",
    SUM(
      CAST(COALESCE(COALESCE("t7"."met", FALSE) AND (
        "t7"."headline" AND "t7"."decided"
      ), FALSE) AS BIGINT)
    ) AS "numerator",
    COUNT(*) FILTER(WHERE
      "t7"."headline" AND "t7"."decided") AS "denominator"
  FROM (
    SELECT
      "t6"."ticket_id",
      "t6"."created_at",
      "t6"."channel",
      "t6"."category",
      "t6"."priority",
      "t6"."team",
      "t6"."agent_id",
      "t6"."brand",
      "t6"."product",
      "t6"."language",
      "t6"."customer_id",
      "t6"."status",
      "t6"."created_by",
      "t6"."sla_policy",
      "t6"."sla_metric",
      "t6"."hours",
      "t6"."seq",
      "t6"."applied_at",
      "t6"."target_s",
      CAST("t6"."stop_at" AS TIMESTAMP) AS "stop_at",
      "t6"."stopped_by",
      "t6"."elapsed_s",
      CASE
        WHEN "t6"."sla_status" = 'met'
        THEN CAST(NULL AS TIMESTAMP)
        ELSE TO_TIMESTAMP(CAST(ROUND("t6"."_x", 0) AS BIGINT))
      END AS "breach_at",
      "t6"."sla_status",
      "t6"."sla_status" = 'met' AS "met",
      "t6"."sla_status" = 'breached' AS "breached",
      "t6"."sla_status" = 'running' AS "running",
      "t6"."sla_status" <> 'running' AS "decided",
      "t6"."sla_metric" = 'first_reply' AS "headline",
      "t6"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t6"."applied_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t6"."applied_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t6"."applied_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t6"."applied_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t6"."applied_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t6"."applied_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t6"."applied_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t2"."ticket_id",
            "t2"."created_at",
            "t2"."channel",
            "t2"."category",
            "t2"."priority",
            "t2"."team",
            "t2"."agent_id",
            "t2"."brand",
            "t2"."product",
            "t2"."language",
            "t2"."customer_id",
            "t2"."status",
            "t2"."created_by",
            "t2"."has_messages",
            "t2"."has_status_changes",
            "t2"."first_reply_at",
            "t2"."replies",
            "t2"."reply_agents",
            "t2"."reopens",
            "t2"."is_resolved",
            "t2"."first_resolved_at",
            "t2"."resolved_at",
            "t2"."handle_seconds",
            "t2"."next_contact_at",
            "t2"."requester_wait_s",
            "t2"."agent_wait_s",
            "t2"."on_hold_s",
            "t2"."frt_s",
            "t2"."resolution_s",
            "t2"."first_resolution_s",
            "t2"."repeat_contact",
            "t2"."frt_target_s",
            "t2"."res_target_s",
            "t2"."as_of",
            "t2"."open_age_s",
            CASE
              WHEN "t2"."channel" = 'email'
              THEN 'channel=email'
              WHEN "t2"."channel" = 'social'
              THEN 'channel=social'
              ELSE CAST(NULL AS TEXT)
            END AS "sla_policy",
            'first_reply' AS "sla_metric",
            'calendar' AS "hours",
            0 AS "seq",
            "t2"."created_at" AS "applied_at",
            "t2"."frt_target_s" AS "target_s",
            "t2"."first_reply_at" AS "stop_at",
            CASE WHEN "t2"."first_reply_at" IS NOT NULL THEN 'reply' ELSE CAST(NULL AS TEXT) END AS "stopped_by",
            CASE WHEN "t2"."frt_s" IS NOT NULL THEN "t2"."frt_s" ELSE "t2"."open_age_s" END AS "elapsed_s",
            CAST(CAST(FLOOR(EPOCH(CAST("t2"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) + "t2"."frt_target_s" AS "_x",
            CASE
              WHEN (
                (
                  "t2"."frt_s" IS NOT NULL
                )
                OR (
                  (
                    "t2"."first_reply_at" IS NULL
                  )
                  AND (
                    NOT (
                      "t2"."is_resolved"
                    ) AND (
                      "t2"."open_age_s" > "t2"."frt_target_s"
                    )
                  )
                )
              )
              AND (
                (
                  "t2"."frt_s" IS NOT NULL
                ) AND (
                  "t2"."frt_s" <= "t2"."frt_target_s"
                )
              )
              THEN 'met'
              WHEN (
                "t2"."frt_s" IS NOT NULL
              )
              OR (
                (
                  "t2"."first_reply_at" IS NULL
                )
                AND (
                  NOT (
                    "t2"."is_resolved"
                  ) AND (
                    "t2"."open_age_s" > "t2"."frt_target_s"
                  )
                )
              )
              THEN 'breached'
              WHEN (
                "t2"."first_reply_at" IS NULL
              )
              AND NOT (
                "t2"."is_resolved"
              )
              AND NOT (
                NOT (
                  "t2"."is_resolved"
                ) AND (
                  "t2"."open_age_s" > "t2"."frt_target_s"
                )
              )
              THEN 'running'
              ELSE CAST(NULL AS TEXT)
            END AS "sla_status"
          FROM (
            SELECT
              "t0"."ticket_id",
              "t0"."created_at",
              "t0"."channel",
              "t0"."category",
              "t0"."priority",
              "t0"."team",
              "t0"."agent_id",
              "t0"."brand",
              "t0"."product",
              "t0"."language",
              "t0"."customer_id",
              "t0"."status",
              "t0"."created_by",
              "t0"."has_messages",
              "t0"."has_status_changes",
              "t0"."first_reply_at",
              "t0"."replies",
              "t0"."reply_agents",
              "t0"."reopens",
              "t0"."is_resolved",
              "t0"."first_resolved_at",
              "t0"."resolved_at",
              "t0"."handle_seconds",
              "t0"."next_contact_at",
              "t0"."requester_wait_s",
              "t0"."agent_wait_s",
              "t0"."on_hold_s",
              CAST(CAST(FLOOR(EPOCH(CAST("t0"."first_reply_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "frt_s",
              CAST(CAST(FLOOR(EPOCH(CAST("t0"."resolved_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "resolution_s",
              CAST(CAST(FLOOR(EPOCH(CAST("t0"."first_resolved_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "first_resolution_s",
              COALESCE(
                (
                  "t0"."next_contact_at" IS NOT NULL
                )
                AND (
                  "t0"."next_contact_at" <= (
                    "t0"."created_at" + INTERVAL '7' DAY
                  )
                ),
                FALSE
              ) AS "repeat_contact",
              CASE
                WHEN "t0"."channel" = 'email'
                THEN 86400.0
                WHEN "t0"."channel" = 'social'
                THEN 3600.0
                ELSE CAST(NULL AS DOUBLE)
              END AS "frt_target_s",
              CAST(NULL AS DOUBLE) AS "res_target_s",
              MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS "as_of",
              CAST(CAST(FLOOR(EPOCH(CAST(MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "open_age_s"
            FROM "_fact_tickets" AS "t0"
            WHERE
              CASE
                WHEN "t0"."channel" = 'email'
                THEN 86400.0
                WHEN "t0"."channel" = 'social'
                THEN 3600.0
                ELSE CAST(NULL AS DOUBLE)
              END IS NOT NULL
          ) AS "t2"
        ) AS "t4"
        WHERE
          "t4"."sla_status" IS NOT NULL
      ) AS "t5"
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          "t1"."ticket_id",
          "t1"."created_at",
          "t1"."channel",
          "t1"."category",
          "t1"."priority",
          "t1"."team",
          "t1"."agent_id",
          "t1"."brand",
          "t1"."product",
          "t1"."language",
          "t1"."customer_id",
          "t1"."status",
          "t1"."created_by",
          "t1"."has_messages",
          "t1"."has_status_changes",
          "t1"."first_reply_at",
          "t1"."replies",
          "t1"."reply_agents",
          "t1"."reopens",
          "t1"."is_resolved",
          "t1"."first_resolved_at",
          "t1"."resolved_at",
          "t1"."handle_seconds",
          "t1"."next_contact_at",
          "t1"."requester_wait_s",
          "t1"."agent_wait_s",
          "t1"."on_hold_s",
          "t1"."frt_s",
          "t1"."resolution_s",
          "t1"."first_resolution_s",
          "t1"."repeat_contact",
          "t1"."frt_target_s",
          "t1"."res_target_s",
          "t1"."as_of",
          "t1"."open_age_s",
          CAST(NULL AS TEXT) AS "sla_policy",
          'resolution' AS "sla_metric",
          'calendar' AS "hours",
          0 AS "seq",
          "t1"."created_at" AS "applied_at",
          "t1"."res_target_s" AS "target_s",
          "t1"."resolved_at" AS "stop_at",
          CASE
            WHEN "t1"."resolved_at" IS NOT NULL
            THEN 'resolution'
            ELSE CAST(NULL AS TEXT)
          END AS "stopped_by",
          CASE
            WHEN "t1"."resolution_s" IS NOT NULL
            THEN "t1"."resolution_s"
            ELSE "t1"."open_age_s"
          END AS "elapsed_s",
          CAST(CAST(FLOOR(EPOCH(CAST("t1"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) + "t1"."res_target_s" AS "_x",
          CASE
            WHEN (
              (
                "t1"."resolution_s" IS NOT NULL
              )
              OR (
                NOT (
                  "t1"."is_resolved"
                ) AND (
                  "t1"."open_age_s" > "t1"."res_target_s"
                )
              )
            )
            AND (
              (
                "t1"."resolution_s" IS NOT NULL
              )
              AND (
                "t1"."resolution_s" <= "t1"."res_target_s"
              )
            )
            THEN 'met'
            WHEN (
              "t1"."resolution_s" IS NOT NULL
            )
            OR (
              NOT (
                "t1"."is_resolved"
              ) AND (
                "t1"."open_age_s" > "t1"."res_target_s"
              )
            )
            THEN 'breached'
            WHEN NOT (
              "t1"."is_resolved"
            )
            AND NOT (
              NOT (
                "t1"."is_resolved"
              ) AND (
                "t1"."open_age_s" > "t1"."res_target_s"
              )
            )
            THEN 'running'
            ELSE CAST(NULL AS TEXT)
          END AS "sla_status"
        FROM (
          SELECT
            "t0"."ticket_id",
            "t0"."created_at",
            "t0"."channel",
            "t0"."category",
            "t0"."priority",
            "t0"."team",
            "t0"."agent_id",
            "t0"."brand",
            "t0"."product",
            "t0"."language",
            "t0"."customer_id",
            "t0"."status",
            "t0"."created_by",
            "t0"."has_messages",
            "t0"."has_status_changes",
            "t0"."first_reply_at",
            "t0"."replies",
            "t0"."reply_agents",
            "t0"."reopens",
            "t0"."is_resolved",
            "t0"."first_resolved_at",
            "t0"."resolved_at",
            "t0"."handle_seconds",
            "t0"."next_contact_at",
            "t0"."requester_wait_s",
            "t0"."agent_wait_s",
            "t0"."on_hold_s",
            CAST(CAST(FLOOR(EPOCH(CAST("t0"."first_reply_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "frt_s",
            CAST(CAST(FLOOR(EPOCH(CAST("t0"."resolved_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "resolution_s",
            CAST(CAST(FLOOR(EPOCH(CAST("t0"."first_resolved_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "first_resolution_s",
            COALESCE(
              (
                "t0"."next_contact_at" IS NOT NULL
              )
              AND (
                "t0"."next_contact_at" <= (
                  "t0"."created_at" + INTERVAL '7' DAY
                )
              ),
              FALSE
            ) AS "repeat_contact",
            CASE
              WHEN "t0"."channel" = 'email'
              THEN 86400.0
              WHEN "t0"."channel" = 'social'
              THEN 3600.0
              ELSE CAST(NULL AS DOUBLE)
            END AS "frt_target_s",
            CAST(NULL AS DOUBLE) AS "res_target_s",
            MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS "as_of",
            CAST(CAST(FLOOR(EPOCH(CAST(MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "open_age_s"
          FROM "_fact_tickets" AS "t0"
          WHERE
            CAST(NULL AS DOUBLE) IS NOT NULL
        ) AS "t1"
        WHERE
          CASE
            WHEN (
              (
                "t1"."resolution_s" IS NOT NULL
              )
              OR (
                NOT (
                  "t1"."is_resolved"
                ) AND (
                  "t1"."open_age_s" > "t1"."res_target_s"
                )
              )
            )
            AND (
              (
                "t1"."resolution_s" IS NOT NULL
              )
              AND (
                "t1"."resolution_s" <= "t1"."res_target_s"
              )
            )
            THEN 'met'
            WHEN (
              "t1"."resolution_s" IS NOT NULL
            )
            OR (
              NOT (
                "t1"."is_resolved"
              ) AND (
                "t1"."open_age_s" > "t1"."res_target_s"
              )
            )
            THEN 'breached'
            WHEN NOT (
              "t1"."is_resolved"
            )
            AND NOT (
              NOT (
                "t1"."is_resolved"
              ) AND (
                "t1"."open_age_s" > "t1"."res_target_s"
              )
            )
            THEN 'running'
            ELSE CAST(NULL AS TEXT)
          END IS NOT NULL
      ) AS "t3"
    ) AS "t6"
    WHERE
      "t6"."applied_at" IS NOT NULL
      AND "t6"."applied_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t6"."applied_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t7"
  GROUP BY
    1,
    2
) AS "t8"
