{#-
    One row per conversation that has at least one evaluation or survey entry.

    qa_score (Genesys quality management): the evaluation's total score `oTotalScore`
    (0-100, as computed by the evaluation form) of evaluations that are released to the
    agent, not deleted and not calibrations (`calibrationId` set: evaluators scoring the same
    contact to align with each other, not a score of the agent). Each evaluation counts once,
    in its latest state (latest `eventTime`; a rescore replaces the original score). Several
    qualifying evaluations (e.g. of two agents) are averaged.

    csat_score: the completed survey's total score `oSurveyTotalScore` (0-100, the survey
    form's weighted total), completed = `surveyStatus` Finished and not a partial response;
    several are averaged. nps_promoter_score is the same surveys' 0-10 answer to the
    "how likely are you to recommend us" question (`surveyPromoterScore`): NPS = % promoters
    (9-10) - % detractors (0-6), computed by the marts from the promoter/detractor flags.
-#}

with

evaluations as (

    select * from {{ ref('stg_genesys__evaluations') }}

),

surveys as (

    select * from {{ ref('stg_genesys__surveys') }}

),

evaluations_ranked as (

    select
        *,
        row_number() over (
            partition by conversation_id, evaluation_id
            order by event_time desc nulls last, is_rescored desc, evaluation_index desc
        ) as state_rank

    from evaluations
    where evaluation_id is not null

),

evaluations_latest as (

    select * from evaluations_ranked where state_rank = 1

),

qa_by_conversation as (

    select
        conversation_id,
        cast(avg(case when is_released and not is_deleted and not is_calibration then cast(total_score as decimal(18, 6)) end) as {{ cxlake.type_double() }}) as qa_score,
        count(case when is_released and not is_deleted and not is_calibration and total_score is not null then 1 end) as qa_evaluation_count,
        count(*) as evaluation_count,
        max(case when is_rescored then 1 else 0 end) = 1 as is_rescored

    from evaluations_latest
    group by conversation_id

),

csat_by_conversation as (

    select
        conversation_id,
        cast(avg(case when survey_status = 'Finished' and not is_partial_response then cast(total_score as decimal(18, 6)) end) as {{ cxlake.type_double() }}) as csat_score,
        avg(case when survey_status = 'Finished' and not is_partial_response then cast(promoter_score as {{ cxlake.type_double() }}) end) as nps_promoter_score,
        count(case when survey_status = 'Finished' and not is_partial_response and total_score is not null then 1 end) as completed_survey_count,
        count(*) as survey_count

    from surveys
    group by conversation_id

),

final as (

    select
        coalesce(qa_by_conversation.conversation_id, csat_by_conversation.conversation_id) as conversation_id,
        qa_by_conversation.qa_score,
        coalesce(qa_by_conversation.qa_evaluation_count, 0) as qa_evaluation_count,
        coalesce(qa_by_conversation.evaluation_count, 0) as evaluation_count,
        coalesce(qa_by_conversation.is_rescored, false) as is_rescored,
        csat_by_conversation.csat_score,
        csat_by_conversation.nps_promoter_score,
        coalesce(csat_by_conversation.completed_survey_count, 0) as completed_survey_count,
        coalesce(csat_by_conversation.survey_count, 0) as survey_count

    from qa_by_conversation
    full outer join csat_by_conversation
        on qa_by_conversation.conversation_id = csat_by_conversation.conversation_id

)

select * from final
