WITH "t8" AS (
  SELECT
    "t3"."ticket_id",
    "t3"."changed_at",
    "t3"."to_status",
    "t3"."from_status"
  FROM "status_changes" AS "t3"
), "t16" AS (
  SELECT
    "t13"."ticket_id",
    "t13"."changed_at",
    "t13"."to_status",
    "t13"."from_status",
    LEAD("t13"."changed_at") OVER (
      PARTITION BY "t13"."ticket_id"
      ORDER BY "t13"."changed_at" ASC, "t13"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS "_next",
    ROW_NUMBER() OVER (
      PARTITION BY "t13"."ticket_id"
      ORDER BY "t13"."changed_at" ASC, "t13"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1 AS "_rn"
  FROM "t8" AS "t13"
)
SELECT
  "t64"."period_start",
  "t64"."_d_channel" AS "channel",
  "t64"."n",
  "t64"."mean",
  "t64"."median",
  "t64"."p90",
  "t64"."std"
FROM (
  SELECT
    "t63"."period_start",
    "t63"."_d_channel",
    COUNT("t63"."agent_work_s") FILTER(WHERE
      "t63"."is_resolved"
      AND (
        "t63"."resolved_at" IS NOT NULL
      )
      AND (
        "t63"."agent_work_s" IS NOT NULL
      )) AS "n",
    AVG("t63"."agent_work_s") FILTER(WHERE
      "t63"."is_resolved"
      AND (
        "t63"."resolved_at" IS NOT NULL
      )
      AND (
        "t63"."agent_work_s" IS NOT NULL
      )) AS "mean",
    QUANTILE_CONT("t63"."agent_work_s", 0.5) FILTER(WHERE
      "t63"."is_resolved"
      AND (
        "t63"."resolved_at" IS NOT NULL
      )
      AND (
        "t63"."agent_work_s" IS NOT NULL
      )) AS "median",
    QUANTILE_CONT("t63"."agent_work_s", 0.9) FILTER(WHERE
      "t63"."is_resolved"
      AND (
        "t63"."resolved_at" IS NOT NULL
      )
      AND (
        "t63"."agent_work_s" IS NOT NULL
      )) AS "p90",
    STDDEV_SAMP("t63"."agent_work_s") FILTER(WHERE
      "t63"."is_resolved"
      AND (
        "t63"."resolved_at" IS NOT NULL
      )
      AND (
        "t63"."agent_work_s" IS NOT NULL
      )) AS "std"
  FROM (
    SELECT
      "t62"."ticket_id",
      "t62"."created_at",
      "t62"."channel",
      "t62"."category",
      "t62"."priority",
      "t62"."team",
      "t62"."agent_id",
      "t62"."brand",
      "t62"."product",
      "t62"."language",
      "t62"."customer_id",
      "t62"."status",
      "t62"."created_by",
      "t62"."has_messages",
      "t62"."has_status_changes",
      "t62"."first_reply_at",
      "t62"."replies",
      "t62"."reply_agents",
      "t62"."reopens",
      "t62"."is_resolved",
      "t62"."first_resolved_at",
      "t62"."resolved_at",
      "t62"."handle_seconds",
      "t62"."next_contact_at",
      "t62"."requester_wait_s",
      "t62"."agent_wait_s",
      "t62"."on_hold_s",
      "t62"."frt_s",
      "t62"."resolution_s",
      "t62"."first_resolution_s",
      "t62"."repeat_contact",
      "t62"."frt_target_s",
      "t62"."res_target_s",
      "t62"."as_of",
      "t62"."open_age_s",
      "t62"."agent_work_s",
      "t62"."reassignments",
      "t62"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t62"."resolved_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t62"."resolved_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t62"."resolved_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t62"."resolved_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t62"."resolved_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t62"."resolved_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t62"."resolved_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t61".*
        EXCLUDE ("ticket_id_right")
      FROM (
        SELECT
          "t60"."ticket_id",
          "t60"."created_at",
          "t60"."channel",
          "t60"."category",
          "t60"."priority",
          "t60"."team",
          "t60"."agent_id",
          "t60"."brand",
          "t60"."product",
          "t60"."language",
          "t60"."customer_id",
          "t60"."status",
          "t60"."created_by",
          "t60"."has_messages",
          "t60"."has_status_changes",
          "t60"."first_reply_at",
          "t60"."replies",
          "t60"."reply_agents",
          "t60"."reopens",
          "t60"."is_resolved",
          "t60"."first_resolved_at",
          "t60"."resolved_at",
          "t60"."handle_seconds",
          "t60"."next_contact_at",
          "t60"."requester_wait_s",
          "t60"."agent_wait_s",
          "t60"."on_hold_s",
          "t60"."frt_s",
          "t60"."resolution_s",
          "t60"."first_resolution_s",
          "t60"."repeat_contact",
          "t60"."frt_target_s",
          "t60"."res_target_s",
          "t60"."as_of",
          "t60"."open_age_s",
          "t60"."agent_work_s",
          "t28"."ticket_id" AS "ticket_id_right",
          "t28"."reassignments"
        FROM (
          SELECT
            "t58"."ticket_id",
            "t58"."created_at",
            "t58"."channel",
            "t58"."category",
            "t58"."priority",
            "t58"."team",
            "t58"."agent_id",
            "t58"."brand",
            "t58"."product",
            "t58"."language",
            "t58"."customer_id",
            "t58"."status",
            "t58"."created_by",
            "t58"."has_messages",
            "t58"."has_status_changes",
            "t58"."first_reply_at",
            "t58"."replies",
            "t58"."reply_agents",
            "t58"."reopens",
            "t58"."is_resolved",
            "t58"."first_resolved_at",
            "t58"."resolved_at",
            "t58"."handle_seconds",
            "t58"."next_contact_at",
            "t58"."requester_wait_s",
            "t58"."agent_wait_s",
            "t58"."on_hold_s",
            "t58"."frt_s",
            "t58"."resolution_s",
            "t58"."first_resolution_s",
            "t58"."repeat_contact",
            "t58"."frt_target_s",
            "t58"."res_target_s",
            "t58"."as_of",
            "t58"."open_age_s",
            CASE
              WHEN "t58"."has_status_changes"
              THEN COALESCE("t58"."agent_work_s", 0.0)
              ELSE CAST(NULL AS DOUBLE)
            END AS "agent_work_s"
          FROM (
            SELECT
              "t57".*
              EXCLUDE ("ticket_id_right")
            FROM (
              SELECT
                "t50"."ticket_id",
                "t50"."created_at",
                "t50"."channel",
                "t50"."category",
                "t50"."priority",
                "t50"."team",
                "t50"."agent_id",
                "t50"."brand",
                "t50"."product",
                "t50"."language",
                "t50"."customer_id",
                "t50"."status",
                "t50"."created_by",
                "t50"."has_messages",
                "t50"."has_status_changes",
                "t50"."first_reply_at",
                "t50"."replies",
                "t50"."reply_agents",
                "t50"."reopens",
                "t50"."is_resolved",
                "t50"."first_resolved_at",
                "t50"."resolved_at",
                "t50"."handle_seconds",
                "t50"."next_contact_at",
                "t50"."requester_wait_s",
                "t50"."agent_wait_s",
                "t50"."on_hold_s",
                "t50"."frt_s",
                "t50"."resolution_s",
                "t50"."first_resolution_s",
                "t50"."repeat_contact",
                "t50"."frt_target_s",
                "t50"."res_target_s",
                "t50"."as_of",
                "t50"."open_age_s",
                "t56"."ticket_id" AS "ticket_id_right",
                "t56"."agent_work_s"
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
                  "t42"."has_messages",
                  "t42"."has_status_changes",
                  "t42"."first_reply_at",
                  "t42"."replies",
                  "t42"."reply_agents",
                  "t42"."reopens",
                  "t42"."is_resolved",
                  "t42"."first_resolved_at",
                  "t42"."resolved_at",
                  "t42"."handle_seconds",
                  "t42"."next_contact_at",
                  CASE
                    WHEN "t42"."has_status_changes"
                    THEN COALESCE("t42"."requester_wait_s", 0.0)
                    ELSE NULL
                  END AS "requester_wait_s",
                  CASE
                    WHEN "t42"."has_status_changes"
                    THEN COALESCE("t42"."agent_wait_s", 0.0)
                    ELSE NULL
                  END AS "agent_wait_s",
                  CASE
                    WHEN "t42"."has_status_changes"
                    THEN COALESCE("t42"."on_hold_s", 0.0)
                    ELSE NULL
                  END AS "on_hold_s",
                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t42"."first_reply_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t42"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "frt_s",
                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t42"."resolved_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t42"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "resolution_s",
                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t42"."first_resolved_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t42"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "first_resolution_s",
                  COALESCE(
                    (
                      "t42"."next_contact_at" IS NOT NULL
                    )
                    AND (
                      "t42"."next_contact_at" <= (
                        "t42"."created_at" + INTERVAL '7' DAY
                      )
                    ),
                    FALSE
                  ) AS "repeat_contact",
                  CASE
                    WHEN "t42"."channel" = 'email'
                    THEN 86400.0
                    WHEN "t42"."channel" = 'social'
                    THEN 3600.0
                    ELSE CAST(NULL AS DOUBLE)
                  END AS "frt_target_s",
                  CAST(NULL AS DOUBLE) AS "res_target_s",
                  MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0) AS "as_of",
                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', MAKE_TIMESTAMP(1970, 1, 1, 0, 0, 0.0)) AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t42"."created_at") AS TIMESTAMP)) AS DOUBLE) AS "open_age_s"
                FROM (
                  SELECT
                    "t41".*
                    EXCLUDE ("ticket_id_right")
                  FROM (
                    SELECT
                      "t40"."ticket_id",
                      "t40"."created_at",
                      "t40"."channel",
                      "t40"."category",
                      "t40"."priority",
                      "t40"."team",
                      "t40"."agent_id",
                      "t40"."brand",
                      "t40"."product",
                      "t40"."language",
                      "t40"."customer_id",
                      "t40"."status",
                      "t40"."created_by",
                      "t40"."has_messages",
                      "t40"."has_status_changes",
                      "t40"."first_reply_at",
                      "t40"."replies",
                      "t40"."reply_agents",
                      "t40"."reopens",
                      "t40"."is_resolved",
                      "t40"."first_resolved_at",
                      "t40"."resolved_at",
                      "t40"."handle_seconds",
                      "t40"."next_contact_at",
                      "t39"."ticket_id" AS "ticket_id_right",
                      "t39"."requester_wait_s",
                      "t39"."agent_wait_s",
                      "t39"."on_hold_s"
                    FROM (
                      SELECT
                        "t35"."ticket_id",
                        "t35"."created_at",
                        "t35"."channel",
                        "t35"."category",
                        "t35"."priority",
                        "t35"."team",
                        "t35"."agent_id",
                        "t35"."brand",
                        "t35"."product",
                        "t35"."language",
                        "t35"."customer_id",
                        "t35"."status",
                        "t35"."created_by",
                        "t35"."has_messages",
                        "t35"."has_status_changes",
                        "t35"."first_reply_at",
                        "t35"."replies",
                        "t35"."reply_agents",
                        "t35"."reopens",
                        "t35"."is_resolved",
                        "t35"."first_resolved_at",
                        "t35"."resolved_at",
                        "t35"."handle_seconds",
                        CASE
                          WHEN (
                            "t35"."customer_id" IS NOT NULL
                          ) AND (
                            "t35"."category" IS NOT NULL
                          )
                          THEN LEAD("t35"."created_at") OVER (
                            PARTITION BY "t35"."customer_id", "t35"."category"
                            ORDER BY "t35"."created_at" ASC, "t35"."ticket_id" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                          )
                          ELSE NULL
                        END AS "next_contact_at"
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
                          "t32"."m_count" IS NOT NULL AS "has_messages",
                          "t29"."s_count" IS NOT NULL AS "has_status_changes",
                          CASE
                            WHEN "t32"."m_count" IS NOT NULL
                            THEN "t32"."m_first_reply_at"
                            ELSE "t12"."first_reply_at"
                          END AS "first_reply_at",
                          CASE
                            WHEN "t32"."m_count" IS NOT NULL
                            THEN "t32"."m_replies"
                            ELSE "t12"."replies"
                          END AS "replies",
                          CASE
                            WHEN "t32"."m_count" IS NOT NULL
                            THEN "t32"."m_reply_agents"
                            ELSE CASE
                              WHEN CASE
                                WHEN "t32"."m_count" IS NOT NULL
                                THEN "t32"."m_replies"
                                ELSE "t12"."replies"
                              END > 0
                              THEN 1
                              ELSE 0
                            END
                          END AS "reply_agents",
                          CASE
                            WHEN "t29"."s_count" IS NOT NULL
                            THEN "t29"."s_reopens"
                            ELSE COALESCE("t12"."reopens", 0)
                          END AS "reopens",
                          COALESCE(
                            CASE
                              WHEN "t29"."s_count" IS NOT NULL
                              THEN "t29"."s_current" IN ('solved', 'closed')
                              ELSE "t12"."status" IN ('solved', 'closed')
                              OR (
                                (
                                  "t12"."status" IS NULL
                                ) AND (
                                  "t12"."solved_at" IS NOT NULL
                                )
                              )
                            END,
                            FALSE
                          ) AS "is_resolved",
                          CASE
                            WHEN "t29"."s_count" IS NOT NULL
                            THEN "t29"."s_first_resolved_at"
                            ELSE "t12"."solved_at"
                          END AS "first_resolved_at",
                          CASE
                            WHEN COALESCE(
                              CASE
                                WHEN "t29"."s_count" IS NOT NULL
                                THEN "t29"."s_current" IN ('solved', 'closed')
                                ELSE "t12"."status" IN ('solved', 'closed')
                                OR (
                                  (
                                    "t12"."status" IS NULL
                                  ) AND (
                                    "t12"."solved_at" IS NOT NULL
                                  )
                                )
                              END,
                              FALSE
                            )
                            THEN CASE
                              WHEN "t29"."s_count" IS NOT NULL
                              THEN "t29"."s_last_resolved_at"
                              ELSE "t12"."solved_at"
                            END
                            ELSE NULL
                          END AS "resolved_at",
                          COALESCE("t20"."w_handle", "t12"."handle_seconds") AS "handle_seconds"
                        FROM (
                          SELECT
                            "t1"."ticket_id",
                            "t1"."created_at",
                            "t1"."channel",
                            "t1"."category",
                            "t1"."priority",
                            "t1"."status",
                            "t1"."customer_id",
                            "t1"."agent_id",
                            "t1"."team",
                            "t1"."brand",
                            "t1"."product",
                            "t1"."language",
                            "t1"."created_by",
                            "t1"."first_reply_at",
                            "t1"."solved_at",
                            "t1"."reopens",
                            "t1"."replies",
                            "t1"."handle_seconds",
                            "t1"."satisfaction"
                          FROM "tickets" AS "t1"
                        ) AS "t12"
                        LEFT OUTER JOIN (
                          SELECT
                            "t25"."ticket_id",
                            COUNT(*) AS "m_count",
                            MIN("t25"."created_at") FILTER(WHERE
                              "t25"."is_reply") AS "m_first_reply_at",
                            SUM(CAST("t25"."is_reply" AS BIGINT)) AS "m_replies",
                            COUNT(DISTINCT "t25"."author_id") FILTER(WHERE
                              "t25"."is_reply") AS "m_reply_agents"
                          FROM (
                            SELECT
                              "t14"."message_id",
                              "t14"."ticket_id",
                              "t14"."created_at",
                              "t14"."author_type",
                              "t14"."author_id",
                              "t14"."public",
                              "t14"."channel",
                              "t14"."_rn",
                              (
                                "t14"."author_type" = 'agent'
                              )
                              AND "t14"."public"
                              AND NOT (
                                (
                                  "t14"."_rn" = 0
                                )
                                AND (
                                  (
                                    "t14"."author_type" = 'agent'
                                  ) AND "t14"."public"
                                )
                              ) AS "is_reply",
                              "t14"."author_type" = 'customer' AS "is_customer"
                            FROM (
                              SELECT
                                "t9"."message_id",
                                "t9"."ticket_id",
                                "t9"."created_at",
                                "t9"."author_type",
                                "t9"."author_id",
                                COALESCE("t9"."public", TRUE) AS "public",
                                "t9"."channel",
                                ROW_NUMBER() OVER (
                                  PARTITION BY "t9"."ticket_id"
                                  ORDER BY "t9"."created_at" ASC, "t9"."message_id" ASC
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                ) - 1 AS "_rn"
                              FROM (
                                SELECT
                                  "t4"."message_id",
                                  "t4"."ticket_id",
                                  "t4"."created_at",
                                  "t4"."author_type",
                                  "t4"."author_id",
                                  "t4"."public",
                                  "t4"."channel"
                                FROM "messages" AS "t4"
                              ) AS "t9"
                            ) AS "t14"
                          ) AS "t25"
                          GROUP BY
                            1
                        ) AS "t32"
                          ON "t12"."ticket_id" = "t32"."ticket_id"
                        LEFT OUTER JOIN (
                          SELECT
                            "t17"."ticket_id",
                            COUNT(*) AS "s_count",
                            MIN("t17"."changed_at") FILTER(WHERE
                              "t17"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                            MAX("t17"."changed_at") FILTER(WHERE
                              "t17"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                            ANY_VALUE("t17"."to_status") FILTER(WHERE
                              "t17"."_rn_desc" = 0) AS "s_current",
                            SUM(
                              CAST("t17"."_prev" IN ('solved', 'closed')
                              AND NOT (
                                "t17"."to_status" IN ('solved', 'closed')
                              ) AS BIGINT)
                            ) AS "s_reopens"
                          FROM (
                            SELECT
                              "t13"."ticket_id",
                              "t13"."changed_at",
                              "t13"."to_status",
                              "t13"."from_status",
                              COALESCE(
                                "t13"."from_status",
                                LAG("t13"."to_status") OVER (
                                  PARTITION BY "t13"."ticket_id"
                                  ORDER BY "t13"."changed_at" ASC, "t13"."to_status" ASC
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                )
                              ) AS "_prev",
                              ROW_NUMBER() OVER (
                                PARTITION BY "t13"."ticket_id"
                                ORDER BY "t13"."changed_at" DESC, "t13"."to_status" DESC
                                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                              ) - 1 AS "_rn_desc"
                            FROM "t8" AS "t13"
                          ) AS "t17"
                          GROUP BY
                            1
                        ) AS "t29"
                          ON "t12"."ticket_id" = "t29"."ticket_id"
                        LEFT OUTER JOIN (
                          SELECT
                            "t7"."ticket_id",
                            SUM(
                              COALESCE(
                                "t7"."seconds",
                                CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                              )
                            ) AS "w_handle",
                            COUNT(
                              COALESCE(
                                "t7"."seconds",
                                CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                              )
                            ) AS "w_sessions"
                          FROM (
                            SELECT
                              "t2"."ticket_id",
                              "t2"."agent_id",
                              "t2"."started_at",
                              "t2"."ended_at",
                              "t2"."seconds"
                            FROM "work_sessions" AS "t2"
                          ) AS "t7"
                          GROUP BY
                            1
                        ) AS "t20"
                          ON "t12"."ticket_id" = "t20"."ticket_id"
                      ) AS "t35"
                    ) AS "t40"
                    LEFT OUTER JOIN (
                      SELECT
                        "t36"."ticket_id",
                        SUM("t36"."span_s") FILTER(WHERE
                          "t36"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                        SUM("t36"."span_s") FILTER(WHERE
                          "t36"."status" IN ('pending')) AS "agent_wait_s",
                        SUM("t36"."span_s") FILTER(WHERE
                          "t36"."status" IN ('on_hold')) AS "on_hold_s"
                      FROM (
                        SELECT
                          "t34"."ticket_id",
                          "t34"."status",
                          "t34"."span_start",
                          "t34"."span_end",
                          CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t34"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t34"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                        FROM (
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t18"."ticket_id",
                              "t18"."to_status" AS "status",
                              "t18"."changed_at" AS "span_start",
                              "t18"."_next" AS "span_end"
                            FROM "t16" AS "t18"
                            WHERE
                              "t18"."_next" IS NOT NULL
                          ) AS "t22"
                          UNION ALL
                          SELECT
                            *
                          FROM (
                            SELECT
                              *
                            FROM (
                              SELECT
                                "t24"."ticket_id",
                                COALESCE("t24"."from_status", 'new') AS "status",
                                "t11"."created_at" AS "span_start",
                                "t24"."changed_at" AS "span_end"
                              FROM (
                                SELECT
                                  *
                                FROM "t16" AS "t18"
                                WHERE
                                  "t18"."_rn" = 0
                              ) AS "t24"
                              INNER JOIN (
                                SELECT
                                  "t1"."ticket_id",
                                  "t1"."created_at"
                                FROM "tickets" AS "t1"
                              ) AS "t11"
                                ON "t24"."ticket_id" = "t11"."ticket_id"
                            ) AS "t30"
                            WHERE
                              "t30"."span_end" > "t30"."span_start"
                          ) AS "t33"
                        ) AS "t34"
                      ) AS "t36"
                      GROUP BY
                        1
                    ) AS "t39"
                      ON "t40"."ticket_id" = "t39"."ticket_id"
                  ) AS "t41"
                ) AS "t42"
              ) AS "t50"
              LEFT OUTER JOIN (
                SELECT
                  "t54"."ticket_id",
                  SUM("t54"."_s") AS "agent_work_s"
                FROM (
                  SELECT
                    "t53"."ticket_id",
                    "t53"."status",
                    "t53"."span_start",
                    "t53"."span_end",
                    CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t53"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t53"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "_s"
                  FROM (
                    SELECT
                      *
                    FROM (
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t18"."ticket_id",
                          "t18"."to_status" AS "status",
                          CAST("t18"."changed_at" AS TIMESTAMP) AS "span_start",
                          CAST("t18"."_next" AS TIMESTAMP) AS "span_end"
                        FROM "t16" AS "t18"
                      ) AS "t21"
                      UNION ALL
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t49"."ticket_id",
                          "t49"."status",
                          CAST("t49"."span_start" AS TIMESTAMP) AS "span_start",
                          "t49"."span_end"
                        FROM (
                          SELECT
                            "t24"."ticket_id",
                            COALESCE("t24"."from_status", 'new') AS "status",
                            "t44"."created_at" AS "span_start",
                            CAST("t24"."changed_at" AS TIMESTAMP) AS "span_end"
                          FROM (
                            SELECT
                              *
                            FROM "t16" AS "t18"
                            WHERE
                              "t18"."_rn" = 0
                          ) AS "t24"
                          INNER JOIN (
                            SELECT
                              "t42"."ticket_id",
                              "t42"."created_at"
                            FROM (
                              SELECT
                                "t41".*
                                EXCLUDE ("ticket_id_right")
                              FROM (
                                SELECT
                                  "t40"."ticket_id",
                                  "t40"."created_at",
                                  "t40"."channel",
                                  "t40"."category",
                                  "t40"."priority",
                                  "t40"."team",
                                  "t40"."agent_id",
                                  "t40"."brand",
                                  "t40"."product",
                                  "t40"."language",
                                  "t40"."customer_id",
                                  "t40"."status",
                                  "t40"."created_by",
                                  "t40"."has_messages",
                                  "t40"."has_status_changes",
                                  "t40"."first_reply_at",
                                  "t40"."replies",
                                  "t40"."reply_agents",
                                  "t40"."reopens",
                                  "t40"."is_resolved",
                                  "t40"."first_resolved_at",
                                  "t40"."resolved_at",
                                  "t40"."handle_seconds",
                                  "t40"."next_contact_at",
                                  "t39"."ticket_id" AS "ticket_id_right",
                                  "t39"."requester_wait_s",
                                  "t39"."agent_wait_s",
                                  "t39"."on_hold_s"
                                FROM (
                                  SELECT
                                    "t35"."ticket_id",
                                    "t35"."created_at",
                                    "t35"."channel",
                                    "t35"."category",
                                    "t35"."priority",
                                    "t35"."team",
                                    "t35"."agent_id",
                                    "t35"."brand",
                                    "t35"."product",
                                    "t35"."language",
                                    "t35"."customer_id",
                                    "t35"."status",
                                    "t35"."created_by",
                                    "t35"."has_messages",
                                    "t35"."has_status_changes",
                                    "t35"."first_reply_at",
                                    "t35"."replies",
                                    "t35"."reply_agents",
                                    "t35"."reopens",
                                    "t35"."is_resolved",
                                    "t35"."first_resolved_at",
                                    "t35"."resolved_at",
                                    "t35"."handle_seconds",
                                    CASE
                                      WHEN (
                                        "t35"."customer_id" IS NOT NULL
                                      ) AND (
                                        "t35"."category" IS NOT NULL
                                      )
                                      THEN LEAD("t35"."created_at") OVER (
                                        PARTITION BY "t35"."customer_id", "t35"."category"
                                        ORDER BY "t35"."created_at" ASC, "t35"."ticket_id" ASC
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                      )
                                      ELSE NULL
                                    END AS "next_contact_at"
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
                                      "t32"."m_count" IS NOT NULL AS "has_messages",
                                      "t29"."s_count" IS NOT NULL AS "has_status_changes",
                                      CASE
                                        WHEN "t32"."m_count" IS NOT NULL
                                        THEN "t32"."m_first_reply_at"
                                        ELSE "t12"."first_reply_at"
                                      END AS "first_reply_at",
                                      CASE
                                        WHEN "t32"."m_count" IS NOT NULL
                                        THEN "t32"."m_replies"
                                        ELSE "t12"."replies"
                                      END AS "replies",
                                      CASE
                                        WHEN "t32"."m_count" IS NOT NULL
                                        THEN "t32"."m_reply_agents"
                                        ELSE CASE
                                          WHEN CASE
                                            WHEN "t32"."m_count" IS NOT NULL
                                            THEN "t32"."m_replies"
                                            ELSE "t12"."replies"
                                          END > 0
                                          THEN 1
                                          ELSE 0
                                        END
                                      END AS "reply_agents",
                                      CASE
                                        WHEN "t29"."s_count" IS NOT NULL
                                        THEN "t29"."s_reopens"
                                        ELSE COALESCE("t12"."reopens", 0)
                                      END AS "reopens",
                                      COALESCE(
                                        CASE
                                          WHEN "t29"."s_count" IS NOT NULL
                                          THEN "t29"."s_current" IN ('solved', 'closed')
                                          ELSE "t12"."status" IN ('solved', 'closed')
                                          OR (
                                            (
                                              "t12"."status" IS NULL
                                            ) AND (
                                              "t12"."solved_at" IS NOT NULL
                                            )
                                          )
                                        END,
                                        FALSE
                                      ) AS "is_resolved",
                                      CASE
                                        WHEN "t29"."s_count" IS NOT NULL
                                        THEN "t29"."s_first_resolved_at"
                                        ELSE "t12"."solved_at"
                                      END AS "first_resolved_at",
                                      CASE
                                        WHEN COALESCE(
                                          CASE
                                            WHEN "t29"."s_count" IS NOT NULL
                                            THEN "t29"."s_current" IN ('solved', 'closed')
                                            ELSE "t12"."status" IN ('solved', 'closed')
                                            OR (
                                              (
                                                "t12"."status" IS NULL
                                              ) AND (
                                                "t12"."solved_at" IS NOT NULL
                                              )
                                            )
                                          END,
                                          FALSE
                                        )
                                        THEN CASE
                                          WHEN "t29"."s_count" IS NOT NULL
                                          THEN "t29"."s_last_resolved_at"
                                          ELSE "t12"."solved_at"
                                        END
                                        ELSE NULL
                                      END AS "resolved_at",
                                      COALESCE("t20"."w_handle", "t12"."handle_seconds") AS "handle_seconds"
                                    FROM (
                                      SELECT
                                        "t1"."ticket_id",
                                        "t1"."created_at",
                                        "t1"."channel",
                                        "t1"."category",
                                        "t1"."priority",
                                        "t1"."status",
                                        "t1"."customer_id",
                                        "t1"."agent_id",
                                        "t1"."team",
                                        "t1"."brand",
                                        "t1"."product",
                                        "t1"."language",
                                        "t1"."created_by",
                                        "t1"."first_reply_at",
                                        "t1"."solved_at",
                                        "t1"."reopens",
                                        "t1"."replies",
                                        "t1"."handle_seconds",
                                        "t1"."satisfaction"
                                      FROM "tickets" AS "t1"
                                    ) AS "t12"
                                    LEFT OUTER JOIN (
                                      SELECT
                                        "t25"."ticket_id",
                                        COUNT(*) AS "m_count",
                                        MIN("t25"."created_at") FILTER(WHERE
                                          "t25"."is_reply") AS "m_first_reply_at",
                                        SUM(CAST("t25"."is_reply" AS BIGINT)) AS "m_replies",
                                        COUNT(DISTINCT "t25"."author_id") FILTER(WHERE
                                          "t25"."is_reply") AS "m_reply_agents"
                                      FROM (
                                        SELECT
                                          "t14"."message_id",
                                          "t14"."ticket_id",
                                          "t14"."created_at",
                                          "t14"."author_type",
                                          "t14"."author_id",
                                          "t14"."public",
                                          "t14"."channel",
                                          "t14"."_rn",
                                          (
                                            "t14"."author_type" = 'agent'
                                          )
                                          AND "t14"."public"
                                          AND NOT (
                                            (
                                              "t14"."_rn" = 0
                                            )
                                            AND (
                                              (
                                                "t14"."author_type" = 'agent'
                                              ) AND "t14"."public"
                                            )
                                          ) AS "is_reply",
                                          "t14"."author_type" = 'customer' AS "is_customer"
                                        FROM (
                                          SELECT
                                            "t9"."message_id",
                                            "t9"."ticket_id",
                                            "t9"."created_at",
                                            "t9"."author_type",
                                            "t9"."author_id",
                                            COALESCE("t9"."public", TRUE) AS "public",
                                            "t9"."channel",
                                            ROW_NUMBER() OVER (
                                              PARTITION BY "t9"."ticket_id"
                                              ORDER BY "t9"."created_at" ASC, "t9"."message_id" ASC
                                              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                            ) - 1 AS "_rn"
                                          FROM (
                                            SELECT
                                              "t4"."message_id",
                                              "t4"."ticket_id",
                                              "t4"."created_at",
                                              "t4"."author_type",
                                              "t4"."author_id",
                                              "t4"."public",
                                              "t4"."channel"
                                            FROM "messages" AS "t4"
                                          ) AS "t9"
                                        ) AS "t14"
                                      ) AS "t25"
                                      GROUP BY
                                        1
                                    ) AS "t32"
                                      ON "t12"."ticket_id" = "t32"."ticket_id"
                                    LEFT OUTER JOIN (
                                      SELECT
                                        "t17"."ticket_id",
                                        COUNT(*) AS "s_count",
                                        MIN("t17"."changed_at") FILTER(WHERE
                                          "t17"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                                        MAX("t17"."changed_at") FILTER(WHERE
                                          "t17"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                                        ANY_VALUE("t17"."to_status") FILTER(WHERE
                                          "t17"."_rn_desc" = 0) AS "s_current",
                                        SUM(
                                          CAST("t17"."_prev" IN ('solved', 'closed')
                                          AND NOT (
                                            "t17"."to_status" IN ('solved', 'closed')
                                          ) AS BIGINT)
                                        ) AS "s_reopens"
                                      FROM (
                                        SELECT
                                          "t13"."ticket_id",
                                          "t13"."changed_at",
                                          "t13"."to_status",
                                          "t13"."from_status",
                                          COALESCE(
                                            "t13"."from_status",
                                            LAG("t13"."to_status") OVER (
                                              PARTITION BY "t13"."ticket_id"
                                              ORDER BY "t13"."changed_at" ASC, "t13"."to_status" ASC
                                              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                            )
                                          ) AS "_prev",
                                          ROW_NUMBER() OVER (
                                            PARTITION BY "t13"."ticket_id"
                                            ORDER BY "t13"."changed_at" DESC, "t13"."to_status" DESC
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                          ) - 1 AS "_rn_desc"
                                        FROM "t8" AS "t13"
                                      ) AS "t17"
                                      GROUP BY
                                        1
                                    ) AS "t29"
                                      ON "t12"."ticket_id" = "t29"."ticket_id"
                                    LEFT OUTER JOIN (
                                      SELECT
                                        "t7"."ticket_id",
                                        SUM(
                                          COALESCE(
                                            "t7"."seconds",
                                            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                                          )
                                        ) AS "w_handle",
                                        COUNT(
                                          COALESCE(
                                            "t7"."seconds",
                                            CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                                          )
                                        ) AS "w_sessions"
                                      FROM (
                                        SELECT
                                          "t2"."ticket_id",
                                          "t2"."agent_id",
                                          "t2"."started_at",
                                          "t2"."ended_at",
                                          "t2"."seconds"
                                        FROM "work_sessions" AS "t2"
                                      ) AS "t7"
                                      GROUP BY
                                        1
                                    ) AS "t20"
                                      ON "t12"."ticket_id" = "t20"."ticket_id"
                                  ) AS "t35"
                                ) AS "t40"
                                LEFT OUTER JOIN (
                                  SELECT
                                    "t36"."ticket_id",
                                    SUM("t36"."span_s") FILTER(WHERE
                                      "t36"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                                    SUM("t36"."span_s") FILTER(WHERE
                                      "t36"."status" IN ('pending')) AS "agent_wait_s",
                                    SUM("t36"."span_s") FILTER(WHERE
                                      "t36"."status" IN ('on_hold')) AS "on_hold_s"
                                  FROM (
                                    SELECT
                                      "t34"."ticket_id",
                                      "t34"."status",
                                      "t34"."span_start",
                                      "t34"."span_end",
                                      CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t34"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t34"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                                    FROM (
                                      SELECT
                                        *
                                      FROM (
                                        SELECT
                                          "t18"."ticket_id",
                                          "t18"."to_status" AS "status",
                                          "t18"."changed_at" AS "span_start",
                                          "t18"."_next" AS "span_end"
                                        FROM "t16" AS "t18"
                                        WHERE
                                          "t18"."_next" IS NOT NULL
                                      ) AS "t22"
                                      UNION ALL
                                      SELECT
                                        *
                                      FROM (
                                        SELECT
                                          *
                                        FROM (
                                          SELECT
                                            "t24"."ticket_id",
                                            COALESCE("t24"."from_status", 'new') AS "status",
                                            "t11"."created_at" AS "span_start",
                                            "t24"."changed_at" AS "span_end"
                                          FROM (
                                            SELECT
                                              *
                                            FROM "t16" AS "t18"
                                            WHERE
                                              "t18"."_rn" = 0
                                          ) AS "t24"
                                          INNER JOIN (
                                            SELECT
                                              "t1"."ticket_id",
                                              "t1"."created_at"
                                            FROM "tickets" AS "t1"
                                          ) AS "t11"
                                            ON "t24"."ticket_id" = "t11"."ticket_id"
                                        ) AS "t30"
                                        WHERE
                                          "t30"."span_end" > "t30"."span_start"
                                      ) AS "t33"
                                    ) AS "t34"
                                  ) AS "t36"
                                  GROUP BY
                                    1
                                ) AS "t39"
                                  ON "t40"."ticket_id" = "t39"."ticket_id"
                              ) AS "t41"
                            ) AS "t42"
                          ) AS "t44"
                            ON "t24"."ticket_id" = "t44"."ticket_id"
                        ) AS "t49"
                        WHERE
                          "t49"."span_end" > "t49"."span_start"
                      ) AS "t51"
                    ) AS "t52"
                    UNION ALL
                    SELECT
                      *
                    FROM (
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t42"."ticket_id",
                          'open' AS "status",
                          CAST("t42"."created_at" AS TIMESTAMP) AS "span_start",
                          CASE
                            WHEN "t42"."is_resolved" AND (
                              "t42"."resolved_at" IS NOT NULL
                            )
                            THEN "t42"."resolved_at"
                            ELSE CAST(NULL AS TIMESTAMP)
                          END AS "span_end"
                        FROM (
                          SELECT
                            "t41".*
                            EXCLUDE ("ticket_id_right")
                          FROM (
                            SELECT
                              "t40"."ticket_id",
                              "t40"."created_at",
                              "t40"."channel",
                              "t40"."category",
                              "t40"."priority",
                              "t40"."team",
                              "t40"."agent_id",
                              "t40"."brand",
                              "t40"."product",
                              "t40"."language",
                              "t40"."customer_id",
                              "t40"."status",
                              "t40"."created_by",
                              "t40"."has_messages",
                              "t40"."has_status_changes",
                              "t40"."first_reply_at",
                              "t40"."replies",
                              "t40"."reply_agents",
                              "t40"."reopens",
                              "t40"."is_resolved",
                              "t40"."first_resolved_at",
                              "t40"."resolved_at",
                              "t40"."handle_seconds",
                              "t40"."next_contact_at",
                              "t39"."ticket_id" AS "ticket_id_right",
                              "t39"."requester_wait_s",
                              "t39"."agent_wait_s",
                              "t39"."on_hold_s"
                            FROM (
                              SELECT
                                "t35"."ticket_id",
                                "t35"."created_at",
                                "t35"."channel",
                                "t35"."category",
                                "t35"."priority",
                                "t35"."team",
                                "t35"."agent_id",
                                "t35"."brand",
                                "t35"."product",
                                "t35"."language",
                                "t35"."customer_id",
                                "t35"."status",
                                "t35"."created_by",
                                "t35"."has_messages",
                                "t35"."has_status_changes",
                                "t35"."first_reply_at",
                                "t35"."replies",
                                "t35"."reply_agents",
                                "t35"."reopens",
                                "t35"."is_resolved",
                                "t35"."first_resolved_at",
                                "t35"."resolved_at",
                                "t35"."handle_seconds",
                                CASE
                                  WHEN (
                                    "t35"."customer_id" IS NOT NULL
                                  ) AND (
                                    "t35"."category" IS NOT NULL
                                  )
                                  THEN LEAD("t35"."created_at") OVER (
                                    PARTITION BY "t35"."customer_id", "t35"."category"
                                    ORDER BY "t35"."created_at" ASC, "t35"."ticket_id" ASC
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                  )
                                  ELSE NULL
                                END AS "next_contact_at"
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
                                  "t32"."m_count" IS NOT NULL AS "has_messages",
                                  "t29"."s_count" IS NOT NULL AS "has_status_changes",
                                  CASE
                                    WHEN "t32"."m_count" IS NOT NULL
                                    THEN "t32"."m_first_reply_at"
                                    ELSE "t12"."first_reply_at"
                                  END AS "first_reply_at",
                                  CASE
                                    WHEN "t32"."m_count" IS NOT NULL
                                    THEN "t32"."m_replies"
                                    ELSE "t12"."replies"
                                  END AS "replies",
                                  CASE
                                    WHEN "t32"."m_count" IS NOT NULL
                                    THEN "t32"."m_reply_agents"
                                    ELSE CASE
                                      WHEN CASE
                                        WHEN "t32"."m_count" IS NOT NULL
                                        THEN "t32"."m_replies"
                                        ELSE "t12"."replies"
                                      END > 0
                                      THEN 1
                                      ELSE 0
                                    END
                                  END AS "reply_agents",
                                  CASE
                                    WHEN "t29"."s_count" IS NOT NULL
                                    THEN "t29"."s_reopens"
                                    ELSE COALESCE("t12"."reopens", 0)
                                  END AS "reopens",
                                  COALESCE(
                                    CASE
                                      WHEN "t29"."s_count" IS NOT NULL
                                      THEN "t29"."s_current" IN ('solved', 'closed')
                                      ELSE "t12"."status" IN ('solved', 'closed')
                                      OR (
                                        (
                                          "t12"."status" IS NULL
                                        ) AND (
                                          "t12"."solved_at" IS NOT NULL
                                        )
                                      )
                                    END,
                                    FALSE
                                  ) AS "is_resolved",
                                  CASE
                                    WHEN "t29"."s_count" IS NOT NULL
                                    THEN "t29"."s_first_resolved_at"
                                    ELSE "t12"."solved_at"
                                  END AS "first_resolved_at",
                                  CASE
                                    WHEN COALESCE(
                                      CASE
                                        WHEN "t29"."s_count" IS NOT NULL
                                        THEN "t29"."s_current" IN ('solved', 'closed')
                                        ELSE "t12"."status" IN ('solved', 'closed')
                                        OR (
                                          (
                                            "t12"."status" IS NULL
                                          ) AND (
                                            "t12"."solved_at" IS NOT NULL
                                          )
                                        )
                                      END,
                                      FALSE
                                    )
                                    THEN CASE
                                      WHEN "t29"."s_count" IS NOT NULL
                                      THEN "t29"."s_last_resolved_at"
                                      ELSE "t12"."solved_at"
                                    END
                                    ELSE NULL
                                  END AS "resolved_at",
                                  COALESCE("t20"."w_handle", "t12"."handle_seconds") AS "handle_seconds"
                                FROM (
                                  SELECT
                                    "t1"."ticket_id",
                                    "t1"."created_at",
                                    "t1"."channel",
                                    "t1"."category",
                                    "t1"."priority",
                                    "t1"."status",
                                    "t1"."customer_id",
                                    "t1"."agent_id",
                                    "t1"."team",
                                    "t1"."brand",
                                    "t1"."product",
                                    "t1"."language",
                                    "t1"."created_by",
                                    "t1"."first_reply_at",
                                    "t1"."solved_at",
                                    "t1"."reopens",
                                    "t1"."replies",
                                    "t1"."handle_seconds",
                                    "t1"."satisfaction"
                                  FROM "tickets" AS "t1"
                                ) AS "t12"
                                LEFT OUTER JOIN (
                                  SELECT
                                    "t25"."ticket_id",
                                    COUNT(*) AS "m_count",
                                    MIN("t25"."created_at") FILTER(WHERE
                                      "t25"."is_reply") AS "m_first_reply_at",
                                    SUM(CAST("t25"."is_reply" AS BIGINT)) AS "m_replies",
                                    COUNT(DISTINCT "t25"."author_id") FILTER(WHERE
                                      "t25"."is_reply") AS "m_reply_agents"
                                  FROM (
                                    SELECT
                                      "t14"."message_id",
                                      "t14"."ticket_id",
                                      "t14"."created_at",
                                      "t14"."author_type",
                                      "t14"."author_id",
                                      "t14"."public",
                                      "t14"."channel",
                                      "t14"."_rn",
                                      (
                                        "t14"."author_type" = 'agent'
                                      )
                                      AND "t14"."public"
                                      AND NOT (
                                        (
                                          "t14"."_rn" = 0
                                        )
                                        AND (
                                          (
                                            "t14"."author_type" = 'agent'
                                          ) AND "t14"."public"
                                        )
                                      ) AS "is_reply",
                                      "t14"."author_type" = 'customer' AS "is_customer"
                                    FROM (
                                      SELECT
                                        "t9"."message_id",
                                        "t9"."ticket_id",
                                        "t9"."created_at",
                                        "t9"."author_type",
                                        "t9"."author_id",
                                        COALESCE("t9"."public", TRUE) AS "public",
                                        "t9"."channel",
                                        ROW_NUMBER() OVER (
                                          PARTITION BY "t9"."ticket_id"
                                          ORDER BY "t9"."created_at" ASC, "t9"."message_id" ASC
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                        ) - 1 AS "_rn"
                                      FROM (
                                        SELECT
                                          "t4"."message_id",
                                          "t4"."ticket_id",
                                          "t4"."created_at",
                                          "t4"."author_type",
                                          "t4"."author_id",
                                          "t4"."public",
                                          "t4"."channel"
                                        FROM "messages" AS "t4"
                                      ) AS "t9"
                                    ) AS "t14"
                                  ) AS "t25"
                                  GROUP BY
                                    1
                                ) AS "t32"
                                  ON "t12"."ticket_id" = "t32"."ticket_id"
                                LEFT OUTER JOIN (
                                  SELECT
                                    "t17"."ticket_id",
                                    COUNT(*) AS "s_count",
                                    MIN("t17"."changed_at") FILTER(WHERE
                                      "t17"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                                    MAX("t17"."changed_at") FILTER(WHERE
                                      "t17"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                                    ANY_VALUE("t17"."to_status") FILTER(WHERE
                                      "t17"."_rn_desc" = 0) AS "s_current",
                                    SUM(
                                      CAST("t17"."_prev" IN ('solved', 'closed')
                                      AND NOT (
                                        "t17"."to_status" IN ('solved', 'closed')
                                      ) AS BIGINT)
                                    ) AS "s_reopens"
                                  FROM (
                                    SELECT
                                      "t13"."ticket_id",
                                      "t13"."changed_at",
                                      "t13"."to_status",
                                      "t13"."from_status",
                                      COALESCE(
                                        "t13"."from_status",
                                        LAG("t13"."to_status") OVER (
                                          PARTITION BY "t13"."ticket_id"
                                          ORDER BY "t13"."changed_at" ASC, "t13"."to_status" ASC
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                        )
                                      ) AS "_prev",
                                      ROW_NUMBER() OVER (
                                        PARTITION BY "t13"."ticket_id"
                                        ORDER BY "t13"."changed_at" DESC, "t13"."to_status" DESC
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                      ) - 1 AS "_rn_desc"
                                    FROM "t8" AS "t13"
                                  ) AS "t17"
                                  GROUP BY
                                    1
                                ) AS "t29"
                                  ON "t12"."ticket_id" = "t29"."ticket_id"
                                LEFT OUTER JOIN (
                                  SELECT
                                    "t7"."ticket_id",
                                    SUM(
                                      COALESCE(
                                        "t7"."seconds",
                                        CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                                      )
                                    ) AS "w_handle",
                                    COUNT(
                                      COALESCE(
                                        "t7"."seconds",
                                        CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                                      )
                                    ) AS "w_sessions"
                                  FROM (
                                    SELECT
                                      "t2"."ticket_id",
                                      "t2"."agent_id",
                                      "t2"."started_at",
                                      "t2"."ended_at",
                                      "t2"."seconds"
                                    FROM "work_sessions" AS "t2"
                                  ) AS "t7"
                                  GROUP BY
                                    1
                                ) AS "t20"
                                  ON "t12"."ticket_id" = "t20"."ticket_id"
                              ) AS "t35"
                            ) AS "t40"
                            LEFT OUTER JOIN (
                              SELECT
                                "t36"."ticket_id",
                                SUM("t36"."span_s") FILTER(WHERE
                                  "t36"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                                SUM("t36"."span_s") FILTER(WHERE
                                  "t36"."status" IN ('pending')) AS "agent_wait_s",
                                SUM("t36"."span_s") FILTER(WHERE
                                  "t36"."status" IN ('on_hold')) AS "on_hold_s"
                              FROM (
                                SELECT
                                  "t34"."ticket_id",
                                  "t34"."status",
                                  "t34"."span_start",
                                  "t34"."span_end",
                                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t34"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t34"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                                FROM (
                                  SELECT
                                    *
                                  FROM (
                                    SELECT
                                      "t18"."ticket_id",
                                      "t18"."to_status" AS "status",
                                      "t18"."changed_at" AS "span_start",
                                      "t18"."_next" AS "span_end"
                                    FROM "t16" AS "t18"
                                    WHERE
                                      "t18"."_next" IS NOT NULL
                                  ) AS "t22"
                                  UNION ALL
                                  SELECT
                                    *
                                  FROM (
                                    SELECT
                                      *
                                    FROM (
                                      SELECT
                                        "t24"."ticket_id",
                                        COALESCE("t24"."from_status", 'new') AS "status",
                                        "t11"."created_at" AS "span_start",
                                        "t24"."changed_at" AS "span_end"
                                      FROM (
                                        SELECT
                                          *
                                        FROM "t16" AS "t18"
                                        WHERE
                                          "t18"."_rn" = 0
                                      ) AS "t24"
                                      INNER JOIN (
                                        SELECT
                                          "t1"."ticket_id",
                                          "t1"."created_at"
                                        FROM "tickets" AS "t1"
                                      ) AS "t11"
                                        ON "t24"."ticket_id" = "t11"."ticket_id"
                                    ) AS "t30"
                                    WHERE
                                      "t30"."span_end" > "t30"."span_start"
                                  ) AS "t33"
                                ) AS "t34"
                              ) AS "t36"
                              GROUP BY
                                1
                            ) AS "t39"
                              ON "t40"."ticket_id" = "t39"."ticket_id"
                          ) AS "t41"
                        ) AS "t42"
                        WHERE
                          NOT (
                            "t42"."has_status_changes"
                          )
                      ) AS "t46"
                      UNION ALL
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t42"."ticket_id",
                          'solved' AS "status",
                          CAST("t42"."resolved_at" AS TIMESTAMP) AS "span_start",
                          CAST(NULL AS TIMESTAMP) AS "span_end"
                        FROM (
                          SELECT
                            "t41".*
                            EXCLUDE ("ticket_id_right")
                          FROM (
                            SELECT
                              "t40"."ticket_id",
                              "t40"."created_at",
                              "t40"."channel",
                              "t40"."category",
                              "t40"."priority",
                              "t40"."team",
                              "t40"."agent_id",
                              "t40"."brand",
                              "t40"."product",
                              "t40"."language",
                              "t40"."customer_id",
                              "t40"."status",
                              "t40"."created_by",
                              "t40"."has_messages",
                              "t40"."has_status_changes",
                              "t40"."first_reply_at",
                              "t40"."replies",
                              "t40"."reply_agents",
                              "t40"."reopens",
                              "t40"."is_resolved",
                              "t40"."first_resolved_at",
                              "t40"."resolved_at",
                              "t40"."handle_seconds",
                              "t40"."next_contact_at",
                              "t39"."ticket_id" AS "ticket_id_right",
                              "t39"."requester_wait_s",
                              "t39"."agent_wait_s",
                              "t39"."on_hold_s"
                            FROM (
                              SELECT
                                "t35"."ticket_id",
                                "t35"."created_at",
                                "t35"."channel",
                                "t35"."category",
                                "t35"."priority",
                                "t35"."team",
                                "t35"."agent_id",
                                "t35"."brand",
                                "t35"."product",
                                "t35"."language",
                                "t35"."customer_id",
                                "t35"."status",
                                "t35"."created_by",
                                "t35"."has_messages",
                                "t35"."has_status_changes",
                                "t35"."first_reply_at",
                                "t35"."replies",
                                "t35"."reply_agents",
                                "t35"."reopens",
                                "t35"."is_resolved",
                                "t35"."first_resolved_at",
                                "t35"."resolved_at",
                                "t35"."handle_seconds",
                                CASE
                                  WHEN (
                                    "t35"."customer_id" IS NOT NULL
                                  ) AND (
                                    "t35"."category" IS NOT NULL
                                  )
                                  THEN LEAD("t35"."created_at") OVER (
                                    PARTITION BY "t35"."customer_id", "t35"."category"
                                    ORDER BY "t35"."created_at" ASC, "t35"."ticket_id" ASC
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                  )
                                  ELSE NULL
                                END AS "next_contact_at"
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
                                  "t32"."m_count" IS NOT NULL AS "has_messages",
                                  "t29"."s_count" IS NOT NULL AS "has_status_changes",
                                  CASE
                                    WHEN "t32"."m_count" IS NOT NULL
                                    THEN "t32"."m_first_reply_at"
                                    ELSE "t12"."first_reply_at"
                                  END AS "first_reply_at",
                                  CASE
                                    WHEN "t32"."m_count" IS NOT NULL
                                    THEN "t32"."m_replies"
                                    ELSE "t12"."replies"
                                  END AS "replies",
                                  CASE
                                    WHEN "t32"."m_count" IS NOT NULL
                                    THEN "t32"."m_reply_agents"
                                    ELSE CASE
                                      WHEN CASE
                                        WHEN "t32"."m_count" IS NOT NULL
                                        THEN "t32"."m_replies"
                                        ELSE "t12"."replies"
                                      END > 0
                                      THEN 1
                                      ELSE 0
                                    END
                                  END AS "reply_agents",
                                  CASE
                                    WHEN "t29"."s_count" IS NOT NULL
                                    THEN "t29"."s_reopens"
                                    ELSE COALESCE("t12"."reopens", 0)
                                  END AS "reopens",
                                  COALESCE(
                                    CASE
                                      WHEN "t29"."s_count" IS NOT NULL
                                      THEN "t29"."s_current" IN ('solved', 'closed')
                                      ELSE "t12"."status" IN ('solved', 'closed')
                                      OR (
                                        (
                                          "t12"."status" IS NULL
                                        ) AND (
                                          "t12"."solved_at" IS NOT NULL
                                        )
                                      )
                                    END,
                                    FALSE
                                  ) AS "is_resolved",
                                  CASE
                                    WHEN "t29"."s_count" IS NOT NULL
                                    THEN "t29"."s_first_resolved_at"
                                    ELSE "t12"."solved_at"
                                  END AS "first_resolved_at",
                                  CASE
                                    WHEN COALESCE(
                                      CASE
                                        WHEN "t29"."s_count" IS NOT NULL
                                        THEN "t29"."s_current" IN ('solved', 'closed')
                                        ELSE "t12"."status" IN ('solved', 'closed')
                                        OR (
                                          (
                                            "t12"."status" IS NULL
                                          ) AND (
                                            "t12"."solved_at" IS NOT NULL
                                          )
                                        )
                                      END,
                                      FALSE
                                    )
                                    THEN CASE
                                      WHEN "t29"."s_count" IS NOT NULL
                                      THEN "t29"."s_last_resolved_at"
                                      ELSE "t12"."solved_at"
                                    END
                                    ELSE NULL
                                  END AS "resolved_at",
                                  COALESCE("t20"."w_handle", "t12"."handle_seconds") AS "handle_seconds"
                                FROM (
                                  SELECT
                                    "t1"."ticket_id",
                                    "t1"."created_at",
                                    "t1"."channel",
                                    "t1"."category",
                                    "t1"."priority",
                                    "t1"."status",
                                    "t1"."customer_id",
                                    "t1"."agent_id",
                                    "t1"."team",
                                    "t1"."brand",
                                    "t1"."product",
                                    "t1"."language",
                                    "t1"."created_by",
                                    "t1"."first_reply_at",
                                    "t1"."solved_at",
                                    "t1"."reopens",
                                    "t1"."replies",
                                    "t1"."handle_seconds",
                                    "t1"."satisfaction"
                                  FROM "tickets" AS "t1"
                                ) AS "t12"
                                LEFT OUTER JOIN (
                                  SELECT
                                    "t25"."ticket_id",
                                    COUNT(*) AS "m_count",
                                    MIN("t25"."created_at") FILTER(WHERE
                                      "t25"."is_reply") AS "m_first_reply_at",
                                    SUM(CAST("t25"."is_reply" AS BIGINT)) AS "m_replies",
                                    COUNT(DISTINCT "t25"."author_id") FILTER(WHERE
                                      "t25"."is_reply") AS "m_reply_agents"
                                  FROM (
                                    SELECT
                                      "t14"."message_id",
                                      "t14"."ticket_id",
                                      "t14"."created_at",
                                      "t14"."author_type",
                                      "t14"."author_id",
                                      "t14"."public",
                                      "t14"."channel",
                                      "t14"."_rn",
                                      (
                                        "t14"."author_type" = 'agent'
                                      )
                                      AND "t14"."public"
                                      AND NOT (
                                        (
                                          "t14"."_rn" = 0
                                        )
                                        AND (
                                          (
                                            "t14"."author_type" = 'agent'
                                          ) AND "t14"."public"
                                        )
                                      ) AS "is_reply",
                                      "t14"."author_type" = 'customer' AS "is_customer"
                                    FROM (
                                      SELECT
                                        "t9"."message_id",
                                        "t9"."ticket_id",
                                        "t9"."created_at",
                                        "t9"."author_type",
                                        "t9"."author_id",
                                        COALESCE("t9"."public", TRUE) AS "public",
                                        "t9"."channel",
                                        ROW_NUMBER() OVER (
                                          PARTITION BY "t9"."ticket_id"
                                          ORDER BY "t9"."created_at" ASC, "t9"."message_id" ASC
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                        ) - 1 AS "_rn"
                                      FROM (
                                        SELECT
                                          "t4"."message_id",
                                          "t4"."ticket_id",
                                          "t4"."created_at",
                                          "t4"."author_type",
                                          "t4"."author_id",
                                          "t4"."public",
                                          "t4"."channel"
                                        FROM "messages" AS "t4"
                                      ) AS "t9"
                                    ) AS "t14"
                                  ) AS "t25"
                                  GROUP BY
                                    1
                                ) AS "t32"
                                  ON "t12"."ticket_id" = "t32"."ticket_id"
                                LEFT OUTER JOIN (
                                  SELECT
                                    "t17"."ticket_id",
                                    COUNT(*) AS "s_count",
                                    MIN("t17"."changed_at") FILTER(WHERE
                                      "t17"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                                    MAX("t17"."changed_at") FILTER(WHERE
                                      "t17"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                                    ANY_VALUE("t17"."to_status") FILTER(WHERE
                                      "t17"."_rn_desc" = 0) AS "s_current",
                                    SUM(
                                      CAST("t17"."_prev" IN ('solved', 'closed')
                                      AND NOT (
                                        "t17"."to_status" IN ('solved', 'closed')
                                      ) AS BIGINT)
                                    ) AS "s_reopens"
                                  FROM (
                                    SELECT
                                      "t13"."ticket_id",
                                      "t13"."changed_at",
                                      "t13"."to_status",
                                      "t13"."from_status",
                                      COALESCE(
                                        "t13"."from_status",
                                        LAG("t13"."to_status") OVER (
                                          PARTITION BY "t13"."ticket_id"
                                          ORDER BY "t13"."changed_at" ASC, "t13"."to_status" ASC
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                        )
                                      ) AS "_prev",
                                      ROW_NUMBER() OVER (
                                        PARTITION BY "t13"."ticket_id"
                                        ORDER BY "t13"."changed_at" DESC, "t13"."to_status" DESC
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                      ) - 1 AS "_rn_desc"
                                    FROM "t8" AS "t13"
                                  ) AS "t17"
                                  GROUP BY
                                    1
                                ) AS "t29"
                                  ON "t12"."ticket_id" = "t29"."ticket_id"
                                LEFT OUTER JOIN (
                                  SELECT
                                    "t7"."ticket_id",
                                    SUM(
                                      COALESCE(
                                        "t7"."seconds",
                                        CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                                      )
                                    ) AS "w_handle",
                                    COUNT(
                                      COALESCE(
                                        "t7"."seconds",
                                        CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                                      )
                                    ) AS "w_sessions"
                                  FROM (
                                    SELECT
                                      "t2"."ticket_id",
                                      "t2"."agent_id",
                                      "t2"."started_at",
                                      "t2"."ended_at",
                                      "t2"."seconds"
                                    FROM "work_sessions" AS "t2"
                                  ) AS "t7"
                                  GROUP BY
                                    1
                                ) AS "t20"
                                  ON "t12"."ticket_id" = "t20"."ticket_id"
                              ) AS "t35"
                            ) AS "t40"
                            LEFT OUTER JOIN (
                              SELECT
                                "t36"."ticket_id",
                                SUM("t36"."span_s") FILTER(WHERE
                                  "t36"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                                SUM("t36"."span_s") FILTER(WHERE
                                  "t36"."status" IN ('pending')) AS "agent_wait_s",
                                SUM("t36"."span_s") FILTER(WHERE
                                  "t36"."status" IN ('on_hold')) AS "on_hold_s"
                              FROM (
                                SELECT
                                  "t34"."ticket_id",
                                  "t34"."status",
                                  "t34"."span_start",
                                  "t34"."span_end",
                                  CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t34"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t34"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                                FROM (
                                  SELECT
                                    *
                                  FROM (
                                    SELECT
                                      "t18"."ticket_id",
                                      "t18"."to_status" AS "status",
                                      "t18"."changed_at" AS "span_start",
                                      "t18"."_next" AS "span_end"
                                    FROM "t16" AS "t18"
                                    WHERE
                                      "t18"."_next" IS NOT NULL
                                  ) AS "t22"
                                  UNION ALL
                                  SELECT
                                    *
                                  FROM (
                                    SELECT
                                      *
                                    FROM (
                                      SELECT
                                        "t24"."ticket_id",
                                        COALESCE("t24"."from_status", 'new') AS "status",
                                        "t11"."created_at" AS "span_start",
                                        "t24"."changed_at" AS "span_end"
                                      FROM (
                                        SELECT
                                          *
                                        FROM "t16" AS "t18"
                                        WHERE
                                          "t18"."_rn" = 0
                                      ) AS "t24"
                                      INNER JOIN (
                                        SELECT
                                          "t1"."ticket_id",
                                          "t1"."created_at"
                                        FROM "tickets" AS "t1"
                                      ) AS "t11"
                                        ON "t24"."ticket_id" = "t11"."ticket_id"
                                    ) AS "t30"
                                    WHERE
                                      "t30"."span_end" > "t30"."span_start"
                                  ) AS "t33"
                                ) AS "t34"
                              ) AS "t36"
                              GROUP BY
                                1
                            ) AS "t39"
                              ON "t40"."ticket_id" = "t39"."ticket_id"
                          ) AS "t41"
                        ) AS "t42"
                        WHERE
                          NOT (
                            "t42"."has_status_changes"
                          )
                          AND "t42"."is_resolved"
                          AND "t42"."resolved_at" IS NOT NULL
                      ) AS "t45"
                    ) AS "t48"
                  ) AS "t53"
                  WHERE
                    "t53"."status" IN ('new', 'open') AND "t53"."span_end" IS NOT NULL
                ) AS "t54"
                GROUP BY
                  1
              ) AS "t56"
                ON "t50"."ticket_id" = "t56"."ticket_id"
            ) AS "t57"
          ) AS "t58"
        ) AS "t60"
        LEFT OUTER JOIN (
          SELECT
            "t15"."ticket_id",
            SUM(
              CAST((
                "t15"."_prev" IS NOT NULL
              )
              AND (
                "t15"."to_value" IS NOT NULL
              )
              AND (
                "t15"."_prev" <> "t15"."to_value"
              ) AS BIGINT)
            ) AS "reassignments"
          FROM (
            SELECT
              "t10"."ticket_id",
              "t10"."changed_at",
              "t10"."field",
              "t10"."to_value",
              "t10"."from_value",
              COALESCE(
                "t10"."from_value",
                LAG("t10"."to_value") OVER (
                  PARTITION BY "t10"."ticket_id"
                  ORDER BY "t10"."changed_at" ASC, "t10"."to_value" ASC
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
            ) AS "t10"
          ) AS "t15"
          GROUP BY
            1
        ) AS "t28"
          ON "t60"."ticket_id" = "t28"."ticket_id"
      ) AS "t61"
    ) AS "t62"
    WHERE
      "t62"."resolved_at" IS NOT NULL
      AND "t62"."resolved_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t62"."resolved_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t63"
  GROUP BY
    1,
    2
) AS "t64"
