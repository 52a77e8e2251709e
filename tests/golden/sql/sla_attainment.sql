WITH "t8" AS (
  SELECT
    "t3"."ticket_id",
    "t3"."changed_at",
    "t3"."to_status",
    "t3"."from_status"
  FROM "status_changes" AS "t3"
), "t13" AS (
  SELECT
    "t11"."ticket_id",
    "t11"."changed_at",
    "t11"."to_status",
    "t11"."from_status",
    LEAD("t11"."changed_at") OVER (
      PARTITION BY "t11"."ticket_id"
      ORDER BY "t11"."changed_at" ASC, "t11"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS "_next",
    ROW_NUMBER() OVER (
      PARTITION BY "t11"."ticket_id"
      ORDER BY "t11"."changed_at" ASC, "t11"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1 AS "_rn"
  FROM "t8" AS "t11"
)
SELECT
  "t44"."period_start",
  "t44"."_d_channel" AS "channel",
  "t44"."numerator",
  "t44"."denominator"
FROM (
  SELECT
    "t43"."period_start",
    "t43"."_d_channel",
    SUM(
      CAST(COALESCE(COALESCE("t43"."met", FALSE) AND (
        "t43"."headline" AND "t43"."decided"
      ), FALSE) AS BIGINT)
    ) AS "numerator",
    COUNT(*) FILTER(WHERE
      "t43"."headline" AND "t43"."decided") AS "denominator"
  FROM (
    SELECT
      "t42"."ticket_id",
      "t42"."created_at",
      "t42"."channel",
      "t42"."category",
      "t42"."priority",
      "t42"."team",
      "t42"."agent_id",
      "t42"."brand",
      "t42"."product",
      "t42"."language",
      "t42"."customer_id",
      "t42"."status",
      "t42"."created_by",
      "t42"."sla_policy",
      "t42"."sla_metric",
      "t42"."hours",
      "t42"."seq",
      "t42"."applied_at",
      "t42"."target_s",
      CAST("t42"."stop_at" AS TIMESTAMP) AS "stop_at",
      "t42"."stopped_by",
      "t42"."elapsed_s",
      CASE
        WHEN "t42"."sla_status" = 'met'
        THEN CAST(NULL AS TIMESTAMP)
        ELSE TO_TIMESTAMP(CAST(ROUND("t42"."_x", 0) AS BIGINT))
      END AS "breach_at",
      "t42"."sla_status",
      "t42"."sla_status" = 'met' AS "met",
      "t42"."sla_status" = 'breached' AS "breached",
      "t42"."sla_status" = 'running' AS "running",
      "t42"."sla_status" <> 'running' AS "decided",
      "t42"."sla_metric" = 'first_reply' AS "headline",
      "t42"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t42"."applied_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t42"."applied_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t42"."applied_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t42"."applied_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t42"."applied_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t42"."applied_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t42"."applied_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
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
            "t38"."ticket_id",
            "t38"."created_at",
            "t38"."channel",
            "t38"."category",
            "t38"."priority",
            "t38"."team",
            "t38"."agent_id",
            "t38"."brand",
            "t38"."product",
            "t38"."language",
            "t38"."customer_id",
            "t38"."status",
            "t38"."created_by",
            "t38"."has_messages",
            "t38"."has_status_changes",
            "t38"."first_reply_at",
            "t38"."replies",
            "t38"."reply_agents",
            "t38"."reopens",
            "t38"."is_resolved",
            "t38"."first_resolved_at",
            "t38"."resolved_at",
            "t38"."handle_seconds",
            "t38"."next_contact_at",
            "t38"."requester_wait_s",
            "t38"."agent_wait_s",
            "t38"."on_hold_s",
            "t38"."frt_s",
            "t38"."resolution_s",
            "t38"."first_resolution_s",
            "t38"."repeat_contact",
            "t38"."frt_target_s",
            "t38"."res_target_s",
            "t38"."as_of",
            "t38"."open_age_s",
            CASE
              WHEN "t38"."channel" = 'email'
              THEN 'channel=email'
              WHEN "t38"."channel" = 'social'
              THEN 'channel=social'
              ELSE CAST(NULL AS TEXT)
            END AS "sla_policy",
            'first_reply' AS "sla_metric",
            'calendar' AS "hours",
            0 AS "seq",
            "t38"."created_at" AS "applied_at",
            "t38"."frt_target_s" AS "target_s",
            "t38"."first_reply_at" AS "stop_at",
            CASE
              WHEN "t38"."first_reply_at" IS NOT NULL
              THEN 'reply'
              ELSE CAST(NULL AS TEXT)
            END AS "stopped_by",
            CASE WHEN "t38"."frt_s" IS NOT NULL THEN "t38"."frt_s" ELSE "t38"."open_age_s" END AS "elapsed_s",
            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t38"."created_at") AS TIMESTAMP)) AS DOUBLE) + "t38"."frt_target_s" AS "_x",
            CASE
              WHEN (
                (
                  "t38"."frt_s" IS NOT NULL
                )
                OR (
                  (
                    "t38"."first_reply_at" IS NULL
                  )
                  AND (
                    NOT (
                      "t38"."is_resolved"
                    ) AND (
                      "t38"."open_age_s" > "t38"."frt_target_s"
                    )
                  )
                )
              )
              AND (
                (
                  "t38"."frt_s" IS NOT NULL
                ) AND (
                  "t38"."frt_s" <= "t38"."frt_target_s"
                )
              )
              THEN 'met'
              WHEN (
                "t38"."frt_s" IS NOT NULL
              )
              OR (
                (
                  "t38"."first_reply_at" IS NULL
                )
                AND (
                  NOT (
                    "t38"."is_resolved"
                  ) AND (
                    "t38"."open_age_s" > "t38"."frt_target_s"
                  )
                )
              )
              THEN 'breached'
              WHEN (
                "t38"."first_reply_at" IS NULL
              )
              AND NOT (
                "t38"."is_resolved"
              )
              AND NOT (
                NOT (
                  "t38"."is_resolved"
                ) AND (
                  "t38"."open_age_s" > "t38"."frt_target_s"
                )
              )
              THEN 'running'
              ELSE CAST(NULL AS TEXT)
            END AS "sla_status"
          FROM (
            SELECT
              "t36"."ticket_id",
              "t36"."created_at",
              "t36"."channel",
              "t36"."category",
              "t36"."priority",
              "t36"."team",
              "t36"."agent_id",
              "t36"."brand",
              "t36"."product",
              "t36"."language",
              "t36"."customer_id",
              "t36"."status",
              "t36"."created_by",
              "t36"."has_messages",
              "t36"."has_status_changes",
              "t36"."first_reply_at",
              "t36"."replies",
              "t36"."reply_agents",
              "t36"."reopens",
              "t36"."is_resolved",
              "t36"."first_resolved_at",
              "t36"."resolved_at",
              "t36"."handle_seconds",
              "t36"."next_contact_at",
              CASE
                WHEN "t36"."has_status_changes"
                THEN COALESCE("t36"."requester_wait_s", 0.0)
                ELSE NULL
              END AS "requester_wait_s",
              CASE
                WHEN "t36"."has_status_changes"
                THEN COALESCE("t36"."agent_wait_s", 0.0)
                ELSE NULL
              END AS "agent_wait_s",
              CASE
                WHEN "t36"."has_status_changes"
                THEN COALESCE("t36"."on_hold_s", 0.0)
                ELSE NULL
              END AS "on_hold_s",
              CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."first_reply_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "frt_s",
              CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."resolved_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "resolution_s",
              CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."first_resolved_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "first_resolution_s",
              COALESCE(
                (
                  "t36"."next_contact_at" IS NOT NULL
                )
                AND (
                  "t36"."next_contact_at" <= (
                    "t36"."created_at" + INTERVAL '7' DAY
                  )
                ),
                FALSE
              ) AS "repeat_contact",
              CASE
                WHEN "t36"."channel" = 'email'
                THEN 86400.0
                WHEN "t36"."channel" = 'social'
                THEN 3600.0
                ELSE CAST(NULL AS DOUBLE)
              END AS "frt_target_s",
              CAST(NULL AS DOUBLE) AS "res_target_s",
              MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS "as_of",
              CAST(EPOCH(CAST(DATE_TRUNC('SECOND', MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0)) AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "open_age_s"
            FROM (
              SELECT
                "t35".*
                EXCLUDE ("ticket_id_right")
              FROM (
                SELECT
                  "t33"."ticket_id",
                  "t33"."created_at",
                  "t33"."channel",
                  "t33"."category",
                  "t33"."priority",
                  "t33"."team",
                  "t33"."agent_id",
                  "t33"."brand",
                  "t33"."product",
                  "t33"."language",
                  "t33"."customer_id",
                  "t33"."status",
                  "t33"."created_by",
                  "t33"."has_messages",
                  "t33"."has_status_changes",
                  "t33"."first_reply_at",
                  "t33"."replies",
                  "t33"."reply_agents",
                  "t33"."reopens",
                  "t33"."is_resolved",
                  "t33"."first_resolved_at",
                  "t33"."resolved_at",
                  "t33"."handle_seconds",
                  "t33"."next_contact_at",
                  "t34"."ticket_id" AS "ticket_id_right",
                  "t34"."requester_wait_s",
                  "t34"."agent_wait_s",
                  "t34"."on_hold_s"
                FROM (
                  SELECT
                    "t29"."ticket_id",
                    "t29"."created_at",
                    "t29"."channel",
                    "t29"."category",
                    "t29"."priority",
                    "t29"."team",
                    "t29"."agent_id",
                    "t29"."brand",
                    "t29"."product",
                    "t29"."language",
                    "t29"."customer_id",
                    "t29"."status",
                    "t29"."created_by",
                    "t29"."has_messages",
                    "t29"."has_status_changes",
                    "t29"."first_reply_at",
                    "t29"."replies",
                    "t29"."reply_agents",
                    "t29"."reopens",
                    "t29"."is_resolved",
                    "t29"."first_resolved_at",
                    "t29"."resolved_at",
                    "t29"."handle_seconds",
                    CASE
                      WHEN (
                        "t29"."customer_id" IS NOT NULL
                      ) AND (
                        "t29"."category" IS NOT NULL
                      )
                      THEN LEAD("t29"."created_at") OVER (
                        PARTITION BY "t29"."customer_id", "t29"."category"
                        ORDER BY "t29"."created_at" ASC, "t29"."ticket_id" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      )
                      ELSE NULL
                    END AS "next_contact_at"
                  FROM (
                    SELECT
                      "t10"."ticket_id",
                      "t10"."created_at",
                      "t10"."channel",
                      "t10"."category",
                      "t10"."priority",
                      "t10"."team",
                      "t10"."agent_id",
                      "t10"."brand",
                      "t10"."product",
                      "t10"."language",
                      "t10"."customer_id",
                      "t10"."status",
                      "t10"."created_by",
                      "t26"."m_count" IS NOT NULL AS "has_messages",
                      "t23"."s_count" IS NOT NULL AS "has_status_changes",
                      CASE
                        WHEN "t26"."m_count" IS NOT NULL
                        THEN "t26"."m_first_reply_at"
                        ELSE "t10"."first_reply_at"
                      END AS "first_reply_at",
                      CASE
                        WHEN "t26"."m_count" IS NOT NULL
                        THEN "t26"."m_replies"
                        ELSE "t10"."replies"
                      END AS "replies",
                      CASE
                        WHEN "t26"."m_count" IS NOT NULL
                        THEN "t26"."m_reply_agents"
                        ELSE CASE
                          WHEN CASE
                            WHEN "t26"."m_count" IS NOT NULL
                            THEN "t26"."m_replies"
                            ELSE "t10"."replies"
                          END > 0
                          THEN 1
                          ELSE 0
                        END
                      END AS "reply_agents",
                      CASE
                        WHEN "t23"."s_count" IS NOT NULL
                        THEN "t23"."s_reopens"
                        ELSE COALESCE("t10"."reopens", 0)
                      END AS "reopens",
                      COALESCE(
                        CASE
                          WHEN "t23"."s_count" IS NOT NULL
                          THEN "t23"."s_current" IN ('solved', 'closed')
                          ELSE "t10"."status" IN ('solved', 'closed')
                          OR (
                            (
                              "t10"."status" IS NULL
                            ) AND (
                              "t10"."solved_at" IS NOT NULL
                            )
                          )
                        END,
                        FALSE
                      ) AS "is_resolved",
                      CASE
                        WHEN "t23"."s_count" IS NOT NULL
                        THEN "t23"."s_first_resolved_at"
                        ELSE "t10"."solved_at"
                      END AS "first_resolved_at",
                      CASE
                        WHEN COALESCE(
                          CASE
                            WHEN "t23"."s_count" IS NOT NULL
                            THEN "t23"."s_current" IN ('solved', 'closed')
                            ELSE "t10"."status" IN ('solved', 'closed')
                            OR (
                              (
                                "t10"."status" IS NULL
                              ) AND (
                                "t10"."solved_at" IS NOT NULL
                              )
                            )
                          END,
                          FALSE
                        )
                        THEN CASE
                          WHEN "t23"."s_count" IS NOT NULL
                          THEN "t23"."s_last_resolved_at"
                          ELSE "t10"."solved_at"
                        END
                        ELSE NULL
                      END AS "resolved_at",
                      COALESCE("t17"."w_handle", "t10"."handle_seconds") AS "handle_seconds"
                    FROM (
                      SELECT
                        "t0"."ticket_id",
                        "t0"."created_at",
                        "t0"."channel",
                        "t0"."category",
                        "t0"."priority",
                        "t0"."status",
                        "t0"."customer_id",
                        "t0"."agent_id",
                        "t0"."team",
                        "t0"."brand",
                        "t0"."product",
                        "t0"."language",
                        "t0"."created_by",
                        "t0"."first_reply_at",
                        "t0"."solved_at",
                        "t0"."reopens",
                        "t0"."replies",
                        "t0"."handle_seconds",
                        "t0"."satisfaction"
                      FROM "tickets" AS "t0"
                    ) AS "t10"
                    LEFT OUTER JOIN (
                      SELECT
                        "t21"."ticket_id",
                        COUNT(*) AS "m_count",
                        MIN("t21"."created_at") FILTER(WHERE
                          "t21"."is_reply") AS "m_first_reply_at",
                        SUM(CAST("t21"."is_reply" AS BIGINT)) AS "m_replies",
                        COUNT(DISTINCT "t21"."author_id") FILTER(WHERE
                          "t21"."is_reply") AS "m_reply_agents"
                      FROM (
                        SELECT
                          "t12"."message_id",
                          "t12"."ticket_id",
                          "t12"."created_at",
                          "t12"."author_type",
                          "t12"."author_id",
                          "t12"."public",
                          "t12"."channel",
                          "t12"."_rn",
                          (
                            "t12"."author_type" = 'agent'
                          )
                          AND "t12"."public"
                          AND NOT (
                            (
                              "t12"."_rn" = 0
                            )
                            AND (
                              (
                                "t12"."author_type" = 'agent'
                              ) AND "t12"."public"
                            )
                          ) AS "is_reply",
                          "t12"."author_type" = 'customer' AS "is_customer"
                        FROM (
                          SELECT
                            "t7"."message_id",
                            "t7"."ticket_id",
                            "t7"."created_at",
                            "t7"."author_type",
                            "t7"."author_id",
                            COALESCE("t7"."public", TRUE) AS "public",
                            "t7"."channel",
                            ROW_NUMBER() OVER (
                              PARTITION BY "t7"."ticket_id"
                              ORDER BY "t7"."created_at" ASC, "t7"."message_id" ASC
                              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                            ) - 1 AS "_rn"
                          FROM (
                            SELECT
                              "t2"."message_id",
                              "t2"."ticket_id",
                              "t2"."created_at",
                              "t2"."author_type",
                              "t2"."author_id",
                              "t2"."public",
                              "t2"."channel"
                            FROM "messages" AS "t2"
                          ) AS "t7"
                        ) AS "t12"
                      ) AS "t21"
                      GROUP BY
                        1
                    ) AS "t26"
                      ON "t10"."ticket_id" = "t26"."ticket_id"
                    LEFT OUTER JOIN (
                      SELECT
                        "t14"."ticket_id",
                        COUNT(*) AS "s_count",
                        MIN("t14"."changed_at") FILTER(WHERE
                          "t14"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                        MAX("t14"."changed_at") FILTER(WHERE
                          "t14"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                        ANY_VALUE("t14"."to_status") FILTER(WHERE
                          "t14"."_rn_desc" = 0) AS "s_current",
                        SUM(
                          CAST("t14"."_prev" IN ('solved', 'closed')
                          AND NOT (
                            "t14"."to_status" IN ('solved', 'closed')
                          ) AS BIGINT)
                        ) AS "s_reopens"
                      FROM (
                        SELECT
                          "t11"."ticket_id",
                          "t11"."changed_at",
                          "t11"."to_status",
                          "t11"."from_status",
                          COALESCE(
                            "t11"."from_status",
                            LAG("t11"."to_status") OVER (
                              PARTITION BY "t11"."ticket_id"
                              ORDER BY "t11"."changed_at" ASC, "t11"."to_status" ASC
                              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                            )
                          ) AS "_prev",
                          ROW_NUMBER() OVER (
                            PARTITION BY "t11"."ticket_id"
                            ORDER BY "t11"."changed_at" DESC, "t11"."to_status" DESC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                          ) - 1 AS "_rn_desc"
                        FROM "t8" AS "t11"
                      ) AS "t14"
                      GROUP BY
                        1
                    ) AS "t23"
                      ON "t10"."ticket_id" = "t23"."ticket_id"
                    LEFT OUTER JOIN (
                      SELECT
                        "t6"."ticket_id",
                        SUM(
                          COALESCE(
                            "t6"."seconds",
                            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."started_at") AS TIMESTAMP)) AS DOUBLE)
                          )
                        ) AS "w_handle",
                        COUNT(
                          COALESCE(
                            "t6"."seconds",
                            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."started_at") AS TIMESTAMP)) AS DOUBLE)
                          )
                        ) AS "w_sessions"
                      FROM (
                        SELECT
                          "t1"."ticket_id",
                          "t1"."agent_id",
                          "t1"."started_at",
                          "t1"."ended_at",
                          "t1"."seconds"
                        FROM "work_sessions" AS "t1"
                      ) AS "t6"
                      GROUP BY
                        1
                    ) AS "t17"
                      ON "t10"."ticket_id" = "t17"."ticket_id"
                  ) AS "t29"
                ) AS "t33"
                LEFT OUTER JOIN (
                  SELECT
                    "t30"."ticket_id",
                    SUM("t30"."span_s") FILTER(WHERE
                      "t30"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                    SUM("t30"."span_s") FILTER(WHERE
                      "t30"."status" IN ('pending')) AS "agent_wait_s",
                    SUM("t30"."span_s") FILTER(WHERE
                      "t30"."status" IN ('on_hold')) AS "on_hold_s"
                  FROM (
                    SELECT
                      "t28"."ticket_id",
                      "t28"."status",
                      "t28"."span_start",
                      "t28"."span_end",
                      CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t28"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t28"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                    FROM (
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t15"."ticket_id",
                          "t15"."to_status" AS "status",
                          "t15"."changed_at" AS "span_start",
                          "t15"."_next" AS "span_end"
                        FROM "t13" AS "t15"
                        WHERE
                          "t15"."_next" IS NOT NULL
                      ) AS "t18"
                      UNION ALL
                      SELECT
                        *
                      FROM (
                        SELECT
                          *
                        FROM (
                          SELECT
                            "t20"."ticket_id",
                            COALESCE("t20"."from_status", 'new') AS "status",
                            "t9"."created_at" AS "span_start",
                            "t20"."changed_at" AS "span_end"
                          FROM (
                            SELECT
                              *
                            FROM "t13" AS "t15"
                            WHERE
                              "t15"."_rn" = 0
                          ) AS "t20"
                          INNER JOIN (
                            SELECT
                              "t0"."ticket_id",
                              "t0"."created_at"
                            FROM "tickets" AS "t0"
                          ) AS "t9"
                            ON "t20"."ticket_id" = "t9"."ticket_id"
                        ) AS "t24"
                        WHERE
                          "t24"."span_end" > "t24"."span_start"
                      ) AS "t27"
                    ) AS "t28"
                  ) AS "t30"
                  GROUP BY
                    1
                ) AS "t34"
                  ON "t33"."ticket_id" = "t34"."ticket_id"
              ) AS "t35"
            ) AS "t36"
            WHERE
              CASE
                WHEN "t36"."channel" = 'email'
                THEN 86400.0
                WHEN "t36"."channel" = 'social'
                THEN 3600.0
                ELSE CAST(NULL AS DOUBLE)
              END IS NOT NULL
          ) AS "t38"
        ) AS "t40"
        WHERE
          "t40"."sla_status" IS NOT NULL
      ) AS "t41"
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          "t37"."ticket_id",
          "t37"."created_at",
          "t37"."channel",
          "t37"."category",
          "t37"."priority",
          "t37"."team",
          "t37"."agent_id",
          "t37"."brand",
          "t37"."product",
          "t37"."language",
          "t37"."customer_id",
          "t37"."status",
          "t37"."created_by",
          "t37"."has_messages",
          "t37"."has_status_changes",
          "t37"."first_reply_at",
          "t37"."replies",
          "t37"."reply_agents",
          "t37"."reopens",
          "t37"."is_resolved",
          "t37"."first_resolved_at",
          "t37"."resolved_at",
          "t37"."handle_seconds",
          "t37"."next_contact_at",
          "t37"."requester_wait_s",
          "t37"."agent_wait_s",
          "t37"."on_hold_s",
          "t37"."frt_s",
          "t37"."resolution_s",
          "t37"."first_resolution_s",
          "t37"."repeat_contact",
          "t37"."frt_target_s",
          "t37"."res_target_s",
          "t37"."as_of",
          "t37"."open_age_s",
          CAST(NULL AS TEXT) AS "sla_policy",
          'resolution' AS "sla_metric",
          'calendar' AS "hours",
          0 AS "seq",
          "t37"."created_at" AS "applied_at",
          "t37"."res_target_s" AS "target_s",
          "t37"."resolved_at" AS "stop_at",
          CASE
            WHEN "t37"."resolved_at" IS NOT NULL
            THEN 'resolution'
            ELSE CAST(NULL AS TEXT)
          END AS "stopped_by",
          CASE
            WHEN "t37"."resolution_s" IS NOT NULL
            THEN "t37"."resolution_s"
            ELSE "t37"."open_age_s"
          END AS "elapsed_s",
          CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t37"."created_at") AS TIMESTAMP)) AS DOUBLE) + "t37"."res_target_s" AS "_x",
          CASE
            WHEN (
              (
                "t37"."resolution_s" IS NOT NULL
              )
              OR (
                NOT (
                  "t37"."is_resolved"
                ) AND (
                  "t37"."open_age_s" > "t37"."res_target_s"
                )
              )
            )
            AND (
              (
                "t37"."resolution_s" IS NOT NULL
              )
              AND (
                "t37"."resolution_s" <= "t37"."res_target_s"
              )
            )
            THEN 'met'
            WHEN (
              "t37"."resolution_s" IS NOT NULL
            )
            OR (
              NOT (
                "t37"."is_resolved"
              ) AND (
                "t37"."open_age_s" > "t37"."res_target_s"
              )
            )
            THEN 'breached'
            WHEN NOT (
              "t37"."is_resolved"
            )
            AND NOT (
              NOT (
                "t37"."is_resolved"
              ) AND (
                "t37"."open_age_s" > "t37"."res_target_s"
              )
            )
            THEN 'running'
            ELSE CAST(NULL AS TEXT)
          END AS "sla_status"
        FROM (
          SELECT
            "t36"."ticket_id",
            "t36"."created_at",
            "t36"."channel",
            "t36"."category",
            "t36"."priority",
            "t36"."team",
            "t36"."agent_id",
            "t36"."brand",
            "t36"."product",
            "t36"."language",
            "t36"."customer_id",
            "t36"."status",
            "t36"."created_by",
            "t36"."has_messages",
            "t36"."has_status_changes",
            "t36"."first_reply_at",
            "t36"."replies",
            "t36"."reply_agents",
            "t36"."reopens",
            "t36"."is_resolved",
            "t36"."first_resolved_at",
            "t36"."resolved_at",
            "t36"."handle_seconds",
            "t36"."next_contact_at",
            CASE
              WHEN "t36"."has_status_changes"
              THEN COALESCE("t36"."requester_wait_s", 0.0)
              ELSE NULL
            END AS "requester_wait_s",
            CASE
              WHEN "t36"."has_status_changes"
              THEN COALESCE("t36"."agent_wait_s", 0.0)
              ELSE NULL
            END AS "agent_wait_s",
            CASE
              WHEN "t36"."has_status_changes"
              THEN COALESCE("t36"."on_hold_s", 0.0)
              ELSE NULL
            END AS "on_hold_s",
            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."first_reply_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "frt_s",
            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."resolved_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "resolution_s",
            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."first_resolved_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "first_resolution_s",
            COALESCE(
              (
                "t36"."next_contact_at" IS NOT NULL
              )
              AND (
                "t36"."next_contact_at" <= (
                  "t36"."created_at" + INTERVAL '7' DAY
                )
              ),
              FALSE
            ) AS "repeat_contact",
            CASE
              WHEN "t36"."channel" = 'email'
              THEN 86400.0
              WHEN "t36"."channel" = 'social'
              THEN 3600.0
              ELSE CAST(NULL AS DOUBLE)
            END AS "frt_target_s",
            CAST(NULL AS DOUBLE) AS "res_target_s",
            MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS "as_of",
            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0)) AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t36"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "open_age_s"
          FROM (
            SELECT
              "t35".*
              EXCLUDE ("ticket_id_right")
            FROM (
              SELECT
                "t33"."ticket_id",
                "t33"."created_at",
                "t33"."channel",
                "t33"."category",
                "t33"."priority",
                "t33"."team",
                "t33"."agent_id",
                "t33"."brand",
                "t33"."product",
                "t33"."language",
                "t33"."customer_id",
                "t33"."status",
                "t33"."created_by",
                "t33"."has_messages",
                "t33"."has_status_changes",
                "t33"."first_reply_at",
                "t33"."replies",
                "t33"."reply_agents",
                "t33"."reopens",
                "t33"."is_resolved",
                "t33"."first_resolved_at",
                "t33"."resolved_at",
                "t33"."handle_seconds",
                "t33"."next_contact_at",
                "t34"."ticket_id" AS "ticket_id_right",
                "t34"."requester_wait_s",
                "t34"."agent_wait_s",
                "t34"."on_hold_s"
              FROM (
                SELECT
                  "t29"."ticket_id",
                  "t29"."created_at",
                  "t29"."channel",
                  "t29"."category",
                  "t29"."priority",
                  "t29"."team",
                  "t29"."agent_id",
                  "t29"."brand",
                  "t29"."product",
                  "t29"."language",
                  "t29"."customer_id",
                  "t29"."status",
                  "t29"."created_by",
                  "t29"."has_messages",
                  "t29"."has_status_changes",
                  "t29"."first_reply_at",
                  "t29"."replies",
                  "t29"."reply_agents",
                  "t29"."reopens",
                  "t29"."is_resolved",
                  "t29"."first_resolved_at",
                  "t29"."resolved_at",
                  "t29"."handle_seconds",
                  CASE
                    WHEN (
                      "t29"."customer_id" IS NOT NULL
                    ) AND (
                      "t29"."category" IS NOT NULL
                    )
                    THEN LEAD("t29"."created_at") OVER (
                      PARTITION BY "t29"."customer_id", "t29"."category"
                      ORDER BY "t29"."created_at" ASC, "t29"."ticket_id" ASC
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                    )
                    ELSE NULL
                  END AS "next_contact_at"
                FROM (
                  SELECT
                    "t10"."ticket_id",
                    "t10"."created_at",
                    "t10"."channel",
                    "t10"."category",
                    "t10"."priority",
                    "t10"."team",
                    "t10"."agent_id",
                    "t10"."brand",
                    "t10"."product",
                    "t10"."language",
                    "t10"."customer_id",
                    "t10"."status",
                    "t10"."created_by",
                    "t26"."m_count" IS NOT NULL AS "has_messages",
                    "t23"."s_count" IS NOT NULL AS "has_status_changes",
                    CASE
                      WHEN "t26"."m_count" IS NOT NULL
                      THEN "t26"."m_first_reply_at"
                      ELSE "t10"."first_reply_at"
                    END AS "first_reply_at",
                    CASE
                      WHEN "t26"."m_count" IS NOT NULL
                      THEN "t26"."m_replies"
                      ELSE "t10"."replies"
                    END AS "replies",
                    CASE
                      WHEN "t26"."m_count" IS NOT NULL
                      THEN "t26"."m_reply_agents"
                      ELSE CASE
                        WHEN CASE
                          WHEN "t26"."m_count" IS NOT NULL
                          THEN "t26"."m_replies"
                          ELSE "t10"."replies"
                        END > 0
                        THEN 1
                        ELSE 0
                      END
                    END AS "reply_agents",
                    CASE
                      WHEN "t23"."s_count" IS NOT NULL
                      THEN "t23"."s_reopens"
                      ELSE COALESCE("t10"."reopens", 0)
                    END AS "reopens",
                    COALESCE(
                      CASE
                        WHEN "t23"."s_count" IS NOT NULL
                        THEN "t23"."s_current" IN ('solved', 'closed')
                        ELSE "t10"."status" IN ('solved', 'closed')
                        OR (
                          (
                            "t10"."status" IS NULL
                          ) AND (
                            "t10"."solved_at" IS NOT NULL
                          )
                        )
                      END,
                      FALSE
                    ) AS "is_resolved",
                    CASE
                      WHEN "t23"."s_count" IS NOT NULL
                      THEN "t23"."s_first_resolved_at"
                      ELSE "t10"."solved_at"
                    END AS "first_resolved_at",
                    CASE
                      WHEN COALESCE(
                        CASE
                          WHEN "t23"."s_count" IS NOT NULL
                          THEN "t23"."s_current" IN ('solved', 'closed')
                          ELSE "t10"."status" IN ('solved', 'closed')
                          OR (
                            (
                              "t10"."status" IS NULL
                            ) AND (
                              "t10"."solved_at" IS NOT NULL
                            )
                          )
                        END,
                        FALSE
                      )
                      THEN CASE
                        WHEN "t23"."s_count" IS NOT NULL
                        THEN "t23"."s_last_resolved_at"
                        ELSE "t10"."solved_at"
                      END
                      ELSE NULL
                    END AS "resolved_at",
                    COALESCE("t17"."w_handle", "t10"."handle_seconds") AS "handle_seconds"
                  FROM (
                    SELECT
                      "t0"."ticket_id",
                      "t0"."created_at",
                      "t0"."channel",
                      "t0"."category",
                      "t0"."priority",
                      "t0"."status",
                      "t0"."customer_id",
                      "t0"."agent_id",
                      "t0"."team",
                      "t0"."brand",
                      "t0"."product",
                      "t0"."language",
                      "t0"."created_by",
                      "t0"."first_reply_at",
                      "t0"."solved_at",
                      "t0"."reopens",
                      "t0"."replies",
                      "t0"."handle_seconds",
                      "t0"."satisfaction"
                    FROM "tickets" AS "t0"
                  ) AS "t10"
                  LEFT OUTER JOIN (
                    SELECT
                      "t21"."ticket_id",
                      COUNT(*) AS "m_count",
                      MIN("t21"."created_at") FILTER(WHERE
                        "t21"."is_reply") AS "m_first_reply_at",
                      SUM(CAST("t21"."is_reply" AS BIGINT)) AS "m_replies",
                      COUNT(DISTINCT "t21"."author_id") FILTER(WHERE
                        "t21"."is_reply") AS "m_reply_agents"
                    FROM (
                      SELECT
                        "t12"."message_id",
                        "t12"."ticket_id",
                        "t12"."created_at",
                        "t12"."author_type",
                        "t12"."author_id",
                        "t12"."public",
                        "t12"."channel",
                        "t12"."_rn",
                        (
                          "t12"."author_type" = 'agent'
                        )
                        AND "t12"."public"
                        AND NOT (
                          (
                            "t12"."_rn" = 0
                          )
                          AND (
                            (
                              "t12"."author_type" = 'agent'
                            ) AND "t12"."public"
                          )
                        ) AS "is_reply",
                        "t12"."author_type" = 'customer' AS "is_customer"
                      FROM (
                        SELECT
                          "t7"."message_id",
                          "t7"."ticket_id",
                          "t7"."created_at",
                          "t7"."author_type",
                          "t7"."author_id",
                          COALESCE("t7"."public", TRUE) AS "public",
                          "t7"."channel",
                          ROW_NUMBER() OVER (
                            PARTITION BY "t7"."ticket_id"
                            ORDER BY "t7"."created_at" ASC, "t7"."message_id" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                          ) - 1 AS "_rn"
                        FROM (
                          SELECT
                            "t2"."message_id",
                            "t2"."ticket_id",
                            "t2"."created_at",
                            "t2"."author_type",
                            "t2"."author_id",
                            "t2"."public",
                            "t2"."channel"
                          FROM "messages" AS "t2"
                        ) AS "t7"
                      ) AS "t12"
                    ) AS "t21"
                    GROUP BY
                      1
                  ) AS "t26"
                    ON "t10"."ticket_id" = "t26"."ticket_id"
                  LEFT OUTER JOIN (
                    SELECT
                      "t14"."ticket_id",
                      COUNT(*) AS "s_count",
                      MIN("t14"."changed_at") FILTER(WHERE
                        "t14"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                      MAX("t14"."changed_at") FILTER(WHERE
                        "t14"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                      ANY_VALUE("t14"."to_status") FILTER(WHERE
                        "t14"."_rn_desc" = 0) AS "s_current",
                      SUM(
                        CAST("t14"."_prev" IN ('solved', 'closed')
                        AND NOT (
                          "t14"."to_status" IN ('solved', 'closed')
                        ) AS BIGINT)
                      ) AS "s_reopens"
                    FROM (
                      SELECT
                        "t11"."ticket_id",
                        "t11"."changed_at",
                        "t11"."to_status",
                        "t11"."from_status",
                        COALESCE(
                          "t11"."from_status",
                          LAG("t11"."to_status") OVER (
                            PARTITION BY "t11"."ticket_id"
                            ORDER BY "t11"."changed_at" ASC, "t11"."to_status" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                          )
                        ) AS "_prev",
                        ROW_NUMBER() OVER (
                          PARTITION BY "t11"."ticket_id"
                          ORDER BY "t11"."changed_at" DESC, "t11"."to_status" DESC
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                        ) - 1 AS "_rn_desc"
                      FROM "t8" AS "t11"
                    ) AS "t14"
                    GROUP BY
                      1
                  ) AS "t23"
                    ON "t10"."ticket_id" = "t23"."ticket_id"
                  LEFT OUTER JOIN (
                    SELECT
                      "t6"."ticket_id",
                      SUM(
                        COALESCE(
                          "t6"."seconds",
                          CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."started_at") AS TIMESTAMP)) AS DOUBLE)
                        )
                      ) AS "w_handle",
                      COUNT(
                        COALESCE(
                          "t6"."seconds",
                          CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t6"."started_at") AS TIMESTAMP)) AS DOUBLE)
                        )
                      ) AS "w_sessions"
                    FROM (
                      SELECT
                        "t1"."ticket_id",
                        "t1"."agent_id",
                        "t1"."started_at",
                        "t1"."ended_at",
                        "t1"."seconds"
                      FROM "work_sessions" AS "t1"
                    ) AS "t6"
                    GROUP BY
                      1
                  ) AS "t17"
                    ON "t10"."ticket_id" = "t17"."ticket_id"
                ) AS "t29"
              ) AS "t33"
              LEFT OUTER JOIN (
                SELECT
                  "t30"."ticket_id",
                  SUM("t30"."span_s") FILTER(WHERE
                    "t30"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                  SUM("t30"."span_s") FILTER(WHERE
                    "t30"."status" IN ('pending')) AS "agent_wait_s",
                  SUM("t30"."span_s") FILTER(WHERE
                    "t30"."status" IN ('on_hold')) AS "on_hold_s"
                FROM (
                  SELECT
                    "t28"."ticket_id",
                    "t28"."status",
                    "t28"."span_start",
                    "t28"."span_end",
                    CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t28"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t28"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                  FROM (
                    SELECT
                      *
                    FROM (
                      SELECT
                        "t15"."ticket_id",
                        "t15"."to_status" AS "status",
                        "t15"."changed_at" AS "span_start",
                        "t15"."_next" AS "span_end"
                      FROM "t13" AS "t15"
                      WHERE
                        "t15"."_next" IS NOT NULL
                    ) AS "t18"
                    UNION ALL
                    SELECT
                      *
                    FROM (
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t20"."ticket_id",
                          COALESCE("t20"."from_status", 'new') AS "status",
                          "t9"."created_at" AS "span_start",
                          "t20"."changed_at" AS "span_end"
                        FROM (
                          SELECT
                            *
                          FROM "t13" AS "t15"
                          WHERE
                            "t15"."_rn" = 0
                        ) AS "t20"
                        INNER JOIN (
                          SELECT
                            "t0"."ticket_id",
                            "t0"."created_at"
                          FROM "tickets" AS "t0"
                        ) AS "t9"
                          ON "t20"."ticket_id" = "t9"."ticket_id"
                      ) AS "t24"
                      WHERE
                        "t24"."span_end" > "t24"."span_start"
                    ) AS "t27"
                  ) AS "t28"
                ) AS "t30"
                GROUP BY
                  1
              ) AS "t34"
                ON "t33"."ticket_id" = "t34"."ticket_id"
            ) AS "t35"
          ) AS "t36"
          WHERE
            CAST(NULL AS DOUBLE) IS NOT NULL
        ) AS "t37"
        WHERE
          CASE
            WHEN (
              (
                "t37"."resolution_s" IS NOT NULL
              )
              OR (
                NOT (
                  "t37"."is_resolved"
                ) AND (
                  "t37"."open_age_s" > "t37"."res_target_s"
                )
              )
            )
            AND (
              (
                "t37"."resolution_s" IS NOT NULL
              )
              AND (
                "t37"."resolution_s" <= "t37"."res_target_s"
              )
            )
            THEN 'met'
            WHEN (
              "t37"."resolution_s" IS NOT NULL
            )
            OR (
              NOT (
                "t37"."is_resolved"
              ) AND (
                "t37"."open_age_s" > "t37"."res_target_s"
              )
            )
            THEN 'breached'
            WHEN NOT (
              "t37"."is_resolved"
            )
            AND NOT (
              NOT (
                "t37"."is_resolved"
              ) AND (
                "t37"."open_age_s" > "t37"."res_target_s"
              )
            )
            THEN 'running'
            ELSE CAST(NULL AS TEXT)
          END IS NOT NULL
      ) AS "t39"
    ) AS "t42"
    WHERE
      "t42"."applied_at" IS NOT NULL
      AND "t42"."applied_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t42"."applied_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t43"
  GROUP BY
    1,
    2
) AS "t44"
