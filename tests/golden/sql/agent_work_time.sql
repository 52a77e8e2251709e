SELECT
  "t19"."period_start",
  "t19"."_d_channel" AS "channel",
  "t19"."n",
  "t19"."mean",
  "t19"."std",
  "t19"."quantiles"
FROM (
  SELECT
    "t18"."period_start",
    "t18"."_d_channel",
    COUNT("t18"."agent_work_s") FILTER(WHERE
      "t18"."is_resolved"
      AND (
        "t18"."resolved_at" IS NOT NULL
      )
      AND (
        "t18"."agent_work_s" IS NOT NULL
      )) AS "n",
    AVG("t18"."agent_work_s") FILTER(WHERE
      "t18"."is_resolved"
      AND (
        "t18"."resolved_at" IS NOT NULL
      )
      AND (
        "t18"."agent_work_s" IS NOT NULL
      )) AS "mean",
    STDDEV_SAMP("t18"."agent_work_s") FILTER(WHERE
      "t18"."is_resolved"
      AND (
        "t18"."resolved_at" IS NOT NULL
      )
      AND (
        "t18"."agent_work_s" IS NOT NULL
      )) AS "std",
    QUANTILE_CONT("t18"."agent_work_s", [0.5, 0.9]) FILTER(WHERE
      "t18"."is_resolved"
      AND (
        "t18"."resolved_at" IS NOT NULL
      )
      AND (
        "t18"."agent_work_s" IS NOT NULL
      )) AS "quantiles"
  FROM (
    SELECT
      "t17"."ticket_id",
      "t17"."created_at",
      "t17"."channel",
      "t17"."category",
      "t17"."priority",
      "t17"."team",
      "t17"."agent_id",
      "t17"."brand",
      "t17"."product",
      "t17"."language",
      "t17"."customer_id",
      "t17"."status",
      "t17"."created_by",
      "t17"."has_messages",
      "t17"."has_status_changes",
      "t17"."first_reply_at",
      "t17"."replies",
      "t17"."reply_agents",
      "t17"."reopens",
      "t17"."is_resolved",
      "t17"."first_resolved_at",
      "t17"."resolved_at",
      "t17"."handle_seconds",
      "t17"."next_contact_at",
      "t17"."requester_wait_s",
      "t17"."agent_wait_s",
      "t17"."on_hold_s",
      "t17"."frt_s",
      "t17"."resolution_s",
      "t17"."first_resolution_s",
      "t17"."repeat_contact",
      "t17"."frt_target_s",
      "t17"."res_target_s",
      "t17"."as_of",
      "t17"."open_age_s",
      "t17"."agent_work_s",
      "t17"."reassignments",
      "t17"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t17"."resolved_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t17"."resolved_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t17"."resolved_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t17"."resolved_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t17"."resolved_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t17"."resolved_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t17"."resolved_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t16".*
        EXCLUDE ("ticket_id_right")
      FROM (
        SELECT
          "t15"."ticket_id",
          "t15"."created_at",
          "t15"."channel",
          "t15"."category",
          "t15"."priority",
          "t15"."team",
          "t15"."agent_id",
          "t15"."brand",
          "t15"."product",
          "t15"."language",
          "t15"."customer_id",
          "t15"."status",
          "t15"."created_by",
          "t15"."has_messages",
          "t15"."has_status_changes",
          "t15"."first_reply_at",
          "t15"."replies",
          "t15"."reply_agents",
          "t15"."reopens",
          "t15"."is_resolved",
          "t15"."first_resolved_at",
          "t15"."resolved_at",
          "t15"."handle_seconds",
          "t15"."next_contact_at",
          "t15"."requester_wait_s",
          "t15"."agent_wait_s",
          "t15"."on_hold_s",
          "t15"."frt_s",
          "t15"."resolution_s",
          "t15"."first_resolution_s",
          "t15"."repeat_contact",
          "t15"."frt_target_s",
          "t15"."res_target_s",
          "t15"."as_of",
          "t15"."open_age_s",
          "t15"."agent_work_s",
          "t13"."ticket_id" AS "ticket_id_right",
          "t13"."reassignments"
        FROM (
          SELECT
            "t12"."ticket_id",
            "t12"."created_at",
            "t12"."channel",
            "t12"."category",
            "t12"."priority",
            "t12"."team",
            "t12"."agent_id",
            "t12"."brand",
            "t12"."product",
            "t12"."language",
            "t12"."customer_id",
            "t12"."status",
            "t12"."created_by",
            "t12"."has_messages",
            "t12"."has_status_changes",
            "t12"."first_reply_at",
            "t12"."replies",
            "t12"."reply_agents",
            "t12"."reopens",
            "t12"."is_resolved",
            "t12"."first_resolved_at",
            "t12"."resolved_at",
            "t12"."handle_seconds",
            "t12"."next_contact_at",
            "t12"."requester_wait_s",
            "t12"."agent_wait_s",
            "t12"."on_hold_s",
            "t12"."frt_s",
            "t12"."resolution_s",
            "t12"."first_resolution_s",
            "t12"."repeat_contact",
            "t12"."frt_target_s",
            "t12"."res_target_s",
            "t12"."as_of",
            "t12"."open_age_s",
            CASE
              WHEN "t12"."has_status_changes"
              THEN COALESCE("t12"."agent_work_s", 0.0)
              ELSE CAST(NULL AS DOUBLE)
            END AS "agent_work_s"
          FROM (
            SELECT
              "t10".*
              EXCLUDE ("ticket_id_right")
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
                "t6"."has_messages",
                "t6"."has_status_changes",
                "t6"."first_reply_at",
                "t6"."replies",
                "t6"."reply_agents",
                "t6"."reopens",
                "t6"."is_resolved",
                "t6"."first_resolved_at",
                "t6"."resolved_at",
                "t6"."handle_seconds",
                "t6"."next_contact_at",
                "t6"."requester_wait_s",
                "t6"."agent_wait_s",
                "t6"."on_hold_s",
                "t6"."frt_s",
                "t6"."resolution_s",
                "t6"."first_resolution_s",
                "t6"."repeat_contact",
                "t6"."frt_target_s",
                "t6"."res_target_s",
                "t6"."as_of",
                "t6"."open_age_s",
                "t9"."ticket_id" AS "ticket_id_right",
                "t9"."agent_work_s"
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
                  CAST(CAST(FLOOR(EPOCH(CAST("t1"."first_reply_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t1"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "frt_s",
                  CAST(CAST(FLOOR(EPOCH(CAST("t1"."resolved_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t1"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "resolution_s",
                  CAST(CAST(FLOOR(EPOCH(CAST("t1"."first_resolved_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t1"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "first_resolution_s",
                  COALESCE(
                    (
                      "t1"."next_contact_at" IS NOT NULL
                    )
                    AND (
                      "t1"."next_contact_at" <= (
                        "t1"."created_at" + INTERVAL '7' DAY
                      )
                    ),
                    FALSE
                  ) AS "repeat_contact",
                  CASE
                    WHEN "t1"."channel" = 'email'
                    THEN 86400.0
                    WHEN "t1"."channel" = 'social'
                    THEN 3600.0
                    ELSE CAST(NULL AS DOUBLE)
                  END AS "frt_target_s",
                  CAST(NULL AS DOUBLE) AS "res_target_s",
                  MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS "as_of",
                  CAST(CAST(FLOOR(EPOCH(CAST(MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t1"."created_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "open_age_s"
                FROM "_fact_tickets" AS "t1"
              ) AS "t6"
              LEFT OUTER JOIN (
                SELECT
                  "t5"."ticket_id",
                  SUM("t5"."_s") AS "agent_work_s"
                FROM (
                  SELECT
                    "t2"."ticket_id",
                    "t2"."status",
                    "t2"."span_start",
                    "t2"."span_end",
                    CAST(CAST(FLOOR(EPOCH(CAST("t2"."span_end" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t2"."span_start" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "_s"
                  FROM "_fact_spans" AS "t2"
                  WHERE
                    "t2"."status" IN ('new', 'open') AND "t2"."span_end" IS NOT NULL
                ) AS "t5"
                GROUP BY
                  1
              ) AS "t9"
                ON "t6"."ticket_id" = "t9"."ticket_id"
            ) AS "t10"
          ) AS "t12"
        ) AS "t15"
        LEFT OUTER JOIN (
          SELECT
            "t7"."ticket_id",
            SUM(
              CAST((
                "t7"."_prev" IS NOT NULL
              )
              AND (
                "t7"."to_value" IS NOT NULL
              )
              AND (
                "t7"."_prev" <> "t7"."to_value"
              ) AS BIGINT)
            ) AS "reassignments"
          FROM (
            SELECT
              "t3"."ticket_id",
              "t3"."changed_at",
              "t3"."field",
              "t3"."to_value",
              "t3"."from_value",
              COALESCE(
                "t3"."from_value",
                LAG("t3"."to_value") OVER (
                  PARTITION BY "t3"."ticket_id"
                  ORDER BY "t3"."changed_at" ASC, "t3"."to_value" ASC
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                )
              ) AS "_prev"
            FROM (
              SELECT
                "t0"."ticket_id",
                "t0"."changed_at",
                "t0"."field",
                "t0"."to_value",
                "t0"."from_value"
              FROM "field_changes" AS "t0"
              WHERE
                "t0"."field" = 'agent_id'
            ) AS "t3"
          ) AS "t7"
          GROUP BY
            1
        ) AS "t13"
          ON "t15"."ticket_id" = "t13"."ticket_id"
      ) AS "t16"
    ) AS "t17"
    WHERE
      "t17"."resolved_at" IS NOT NULL
      AND "t17"."resolved_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t17"."resolved_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t18"
  GROUP BY
    1,
    2
) AS "t19"
