WITH "t12" AS (
  SELECT
    "t4"."ticket_id",
    "t4"."changed_at",
    "t4"."to_status",
    "t4"."from_status",
    LEAD("t4"."changed_at") OVER (
      PARTITION BY "t4"."ticket_id"
      ORDER BY "t4"."changed_at" ASC, "t4"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS "_next",
    ROW_NUMBER() OVER (
      PARTITION BY "t4"."ticket_id"
      ORDER BY "t4"."changed_at" ASC, "t4"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1 AS "_rn"
  FROM (
    SELECT
      "t2"."ticket_id",
      "t2"."changed_at",
      "t2"."to_status",
      "t2"."from_status"
    FROM "status_changes" AS "t2"
  ) AS "t4"
)
SELECT
  "t34"."period_start",
  "t34"."_d_channel" AS "channel",
  "t34"."n",
  "t34"."mean",
  "t34"."median",
  "t34"."p90",
  "t34"."std"
FROM (
  SELECT
    "t33"."period_start",
    "t33"."_d_channel",
    COUNT(CAST("t33"."reassignments" AS DOUBLE)) FILTER(WHERE
      "t33"."is_resolved"
      AND (
        "t33"."resolved_at" IS NOT NULL
      )
      AND (
        "t33"."reassignments" IS NOT NULL
      )) AS "n",
    AVG(CAST("t33"."reassignments" AS DOUBLE)) FILTER(WHERE
      "t33"."is_resolved"
      AND (
        "t33"."resolved_at" IS NOT NULL
      )
      AND (
        "t33"."reassignments" IS NOT NULL
      )) AS "mean",
    QUANTILE_CONT(CAST("t33"."reassignments" AS DOUBLE), 0.5) FILTER(WHERE
      "t33"."is_resolved"
      AND (
        "t33"."resolved_at" IS NOT NULL
      )
      AND (
        "t33"."reassignments" IS NOT NULL
      )) AS "median",
    QUANTILE_CONT(CAST("t33"."reassignments" AS DOUBLE), 0.9) FILTER(WHERE
      "t33"."is_resolved"
      AND (
        "t33"."resolved_at" IS NOT NULL
      )
      AND (
        "t33"."reassignments" IS NOT NULL
      )) AS "p90",
    STDDEV_SAMP(CAST("t33"."reassignments" AS DOUBLE)) FILTER(WHERE
      "t33"."is_resolved"
      AND (
        "t33"."resolved_at" IS NOT NULL
      )
      AND (
        "t33"."reassignments" IS NOT NULL
      )) AS "std"
  FROM (
    SELECT
      "t32"."ticket_id",
      "t32"."created_at",
      "t32"."channel",
      "t32"."category",
      "t32"."priority",
      "t32"."team",
      "t32"."agent_id",
      "t32"."brand",
      "t32"."product",
      "t32"."language",
      "t32"."customer_id",
      "t32"."status",
      "t32"."created_by",
      "t32"."has_messages",
      "t32"."has_status_changes",
      "t32"."first_reply_at",
      "t32"."replies",
      "t32"."reply_agents",
      "t32"."reopens",
      "t32"."is_resolved",
      "t32"."first_resolved_at",
      "t32"."resolved_at",
      "t32"."handle_seconds",
      "t32"."next_contact_at",
      "t32"."requester_wait_s",
      "t32"."agent_wait_s",
      "t32"."on_hold_s",
      "t32"."frt_s",
      "t32"."resolution_s",
      "t32"."first_resolution_s",
      "t32"."repeat_contact",
      "t32"."frt_target_s",
      "t32"."res_target_s",
      "t32"."as_of",
      "t32"."open_age_s",
      "t32"."agent_work_s",
      "t32"."reassignments",
      "t32"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t32"."resolved_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t32"."resolved_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t32"."resolved_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t32"."resolved_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t32"."resolved_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t32"."resolved_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t32"."resolved_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t31".*
        EXCLUDE ("ticket_id_right")
      FROM (
        SELECT
          "t30"."ticket_id",
          "t30"."created_at",
          "t30"."channel",
          "t30"."category",
          "t30"."priority",
          "t30"."team",
          "t30"."agent_id",
          "t30"."brand",
          "t30"."product",
          "t30"."language",
          "t30"."customer_id",
          "t30"."status",
          "t30"."created_by",
          "t30"."has_messages",
          "t30"."has_status_changes",
          "t30"."first_reply_at",
          "t30"."replies",
          "t30"."reply_agents",
          "t30"."reopens",
          "t30"."is_resolved",
          "t30"."first_resolved_at",
          "t30"."resolved_at",
          "t30"."handle_seconds",
          "t30"."next_contact_at",
          "t30"."requester_wait_s",
          "t30"."agent_wait_s",
          "t30"."on_hold_s",
          "t30"."frt_s",
          "t30"."resolution_s",
          "t30"."first_resolution_s",
          "t30"."repeat_contact",
          "t30"."frt_target_s",
          "t30"."res_target_s",
          "t30"."as_of",
          "t30"."open_age_s",
          "t30"."agent_work_s",
          "t19"."ticket_id" AS "ticket_id_right",
          "t19"."reassignments"
        FROM (
          SELECT
            "t28"."ticket_id",
            "t28"."created_at",
            "t28"."channel",
            "t28"."category",
            "t28"."priority",
            "t28"."team",
            "t28"."agent_id",
            "t28"."brand",
            "t28"."product",
            "t28"."language",
            "t28"."customer_id",
            "t28"."status",
            "t28"."created_by",
            "t28"."has_messages",
            "t28"."has_status_changes",
            "t28"."first_reply_at",
            "t28"."replies",
            "t28"."reply_agents",
            "t28"."reopens",
            "t28"."is_resolved",
            "t28"."first_resolved_at",
            "t28"."resolved_at",
            "t28"."handle_seconds",
            "t28"."next_contact_at",
            "t28"."requester_wait_s",
            "t28"."agent_wait_s",
            "t28"."on_hold_s",
            "t28"."frt_s",
            "t28"."resolution_s",
            "t28"."first_resolution_s",
            "t28"."repeat_contact",
            "t28"."frt_target_s",
            "t28"."res_target_s",
            "t28"."as_of",
            "t28"."open_age_s",
            CASE
              WHEN "t28"."has_status_changes"
              THEN COALESCE("t28"."agent_work_s", 0.0)
              ELSE CAST(NULL AS DOUBLE)
            END AS "agent_work_s"
          FROM (
            SELECT
              "t27".*
              EXCLUDE ("ticket_id_right")
            FROM (
              SELECT
                "t11"."ticket_id",
                "t11"."created_at",
                "t11"."channel",
                "t11"."category",
                "t11"."priority",
                "t11"."team",
                "t11"."agent_id",
                "t11"."brand",
                "t11"."product",
                "t11"."language",
                "t11"."customer_id",
                "t11"."status",
                "t11"."created_by",
                "t11"."has_messages",
                "t11"."has_status_changes",
                "t11"."first_reply_at",
                "t11"."replies",
                "t11"."reply_agents",
                "t11"."reopens",
                "t11"."is_resolved",
                "t11"."first_resolved_at",
                "t11"."resolved_at",
                "t11"."handle_seconds",
                "t11"."next_contact_at",
                "t11"."requester_wait_s",
                "t11"."agent_wait_s",
                "t11"."on_hold_s",
                "t11"."frt_s",
                "t11"."resolution_s",
                "t11"."first_resolution_s",
                "t11"."repeat_contact",
                "t11"."frt_target_s",
                "t11"."res_target_s",
                "t11"."as_of",
                "t11"."open_age_s",
                "t26"."ticket_id" AS "ticket_id_right",
                "t26"."agent_work_s"
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
                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t1"."first_reply_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t1"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "frt_s",
                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t1"."resolved_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t1"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "resolution_s",
                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t1"."first_resolved_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t1"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "first_resolution_s",
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
                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0)) AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t1"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "open_age_s"
                FROM "_fact_tickets" AS "t1"
              ) AS "t11"
              LEFT OUTER JOIN (
                SELECT
                  "t24"."ticket_id",
                  SUM("t24"."_s") AS "agent_work_s"
                FROM (
                  SELECT
                    "t23"."ticket_id",
                    "t23"."status",
                    "t23"."span_start",
                    "t23"."span_end",
                    CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t23"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t23"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "_s"
                  FROM (
                    SELECT
                      *
                    FROM (
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t14"."ticket_id",
                          "t14"."to_status" AS "status",
                          CAST("t14"."changed_at" AS TIMESTAMP) AS "span_start",
                          CAST("t14"."_next" AS TIMESTAMP) AS "span_end"
                        FROM "t12" AS "t14"
                      ) AS "t15"
                      UNION ALL
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t20"."ticket_id",
                          "t20"."status",
                          CAST("t20"."span_start" AS TIMESTAMP) AS "span_start",
                          "t20"."span_end"
                        FROM (
                          SELECT
                            "t17"."ticket_id",
                            COALESCE("t17"."from_status", 'new') AS "status",
                            "t6"."created_at" AS "span_start",
                            CAST("t17"."changed_at" AS TIMESTAMP) AS "span_end"
                          FROM (
                            SELECT
                              *
                            FROM "t12" AS "t14"
                            WHERE
                              "t14"."_rn" = 0
                          ) AS "t17"
                          INNER JOIN (
                            SELECT
                              "t1"."ticket_id",
                              "t1"."created_at"
                            FROM "_fact_tickets" AS "t1"
                          ) AS "t6"
                            ON "t17"."ticket_id" = "t6"."ticket_id"
                        ) AS "t20"
                        WHERE
                          "t20"."span_end" > "t20"."span_start"
                      ) AS "t21"
                    ) AS "t22"
                    UNION ALL
                    SELECT
                      *
                    FROM (
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t1"."ticket_id",
                          'open' AS "status",
                          CAST("t1"."created_at" AS TIMESTAMP) AS "span_start",
                          CASE
                            WHEN "t1"."is_resolved" AND (
                              "t1"."resolved_at" IS NOT NULL
                            )
                            THEN "t1"."resolved_at"
                            ELSE CAST(NULL AS TIMESTAMP)
                          END AS "span_end"
                        FROM "_fact_tickets" AS "t1"
                        WHERE
                          NOT (
                            "t1"."has_status_changes"
                          )
                      ) AS "t8"
                      UNION ALL
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t1"."ticket_id",
                          'solved' AS "status",
                          CAST("t1"."resolved_at" AS TIMESTAMP) AS "span_start",
                          CAST(NULL AS TIMESTAMP) AS "span_end"
                        FROM "_fact_tickets" AS "t1"
                        WHERE
                          NOT (
                            "t1"."has_status_changes"
                          )
                          AND "t1"."is_resolved"
                          AND "t1"."resolved_at" IS NOT NULL
                      ) AS "t7"
                    ) AS "t10"
                  ) AS "t23"
                  WHERE
                    "t23"."status" IN ('new', 'open') AND "t23"."span_end" IS NOT NULL
                ) AS "t24"
                GROUP BY
                  1
              ) AS "t26"
                ON "t11"."ticket_id" = "t26"."ticket_id"
            ) AS "t27"
          ) AS "t28"
        ) AS "t30"
        LEFT OUTER JOIN (
          SELECT
            "t13"."ticket_id",
            SUM(
              CAST((
                "t13"."_prev" IS NOT NULL
              )
              AND (
                "t13"."to_value" IS NOT NULL
              )
              AND (
                "t13"."_prev" <> "t13"."to_value"
              ) AS BIGINT)
            ) AS "reassignments"
          FROM (
            SELECT
              "t5"."ticket_id",
              "t5"."changed_at",
              "t5"."field",
              "t5"."to_value",
              "t5"."from_value",
              COALESCE(
                "t5"."from_value",
                LAG("t5"."to_value") OVER (
                  PARTITION BY "t5"."ticket_id"
                  ORDER BY "t5"."changed_at" ASC, "t5"."to_value" ASC
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
            ) AS "t5"
          ) AS "t13"
          GROUP BY
            1
        ) AS "t19"
          ON "t30"."ticket_id" = "t19"."ticket_id"
      ) AS "t31"
    ) AS "t32"
    WHERE
      "t32"."resolved_at" IS NOT NULL
      AND "t32"."resolved_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t32"."resolved_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t33"
  GROUP BY
    1,
    2
) AS "t34"
