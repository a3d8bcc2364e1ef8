"""The survey pages' words, in Chinese and English (the customer's language is
chosen by Accept-Language or ``?lang=``; Chinese when neither names one of these)."""
from __future__ import annotations

from service_desk.domain.surveys import COMMENT_MAX_LENGTH, CSAT_RANGE, NPS_RANGE

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

CSAT = (CSAT_RANGE.start, CSAT_RANGE.stop - 1)
NPS = (NPS_RANGE.start, NPS_RANGE.stop - 1)

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "满意度调查",
        "about_order": "关于您最近的订单",
        "about_ticket": "关于您最近的服务请求",
        "intro": "只需一分钟，您的回答会帮助我们做得更好。",
        "csat_question": "您对我们这次的服务满意吗？",
        "csat_low": f"{CSAT[0]} = 非常不满意", "csat_high": f"{CSAT[1]} = 非常满意",
        "nps_question": "您有多大可能向朋友或同事推荐我们？",
        "nps_low": f"{NPS[0]} = 完全不可能", "nps_high": f"{NPS[1]} = 非常可能",
        "comment_question": "还有什么想告诉我们的吗？（选填）",
        "comment_hint": f"最多 {COMMENT_MAX_LENGTH} 字",
        "send": "提交",
        "check_marked": "请检查下面标出的问题。",
        "required": "请选择一个分数。",
        "csat_range": f"请选择 {CSAT[0]} 到 {CSAT[1]} 之间的分数。",
        "nps_range": f"请选择 {NPS[0]} 到 {NPS[1]} 之间的分数。",
        "comment_too_long": f"意见最多 {COMMENT_MAX_LENGTH} 字。",
        "comment_characters": "意见中含有无法保存的字符。",
        "thanks_title": "感谢您的评价！",
        "thanks_body": "我们已收到您的回答。",
        "used_title": "这份问卷已经回答过了",
        "used_body": "每个问卷链接只能回答一次。感谢您的反馈！",
        "expired_title": "这个问卷链接已过期",
        "expired_body": "回答的期限已经过了。仍然感谢您的关注。",
        "unknown_title": "找不到这份问卷",
        "unknown_body": "请检查链接是否完整，或从您收到的消息中重新打开它。",
        "foreign_title": "无法提交",
        "foreign_body": "请从您收到的链接打开问卷，再在那里提交。",
        "busy_title": "请求过于频繁",
        "busy_body": "请稍等一分钟再试。",
        "error_title": "出了点问题",
        "error_body": "您的回答没有保存，请稍后再试。",
        "refused_title": "无法处理这个请求",
        "refused_body": "请从您收到的链接重新打开问卷。",
    },
    "en": {
        "title": "Satisfaction survey",
        "about_order": "About your recent order",
        "about_ticket": "About your recent service request",
        "intro": "It takes a minute, and your answers help us do better.",
        "csat_question": "How satisfied are you with our service this time?",
        "csat_low": f"{CSAT[0]} = very dissatisfied", "csat_high": f"{CSAT[1]} = very satisfied",
        "nps_question": "How likely are you to recommend us to a friend or colleague?",
        "nps_low": f"{NPS[0]} = not at all likely", "nps_high": f"{NPS[1]} = extremely likely",
        "comment_question": "Anything else you would like to tell us? (optional)",
        "comment_hint": f"Up to {COMMENT_MAX_LENGTH} characters",
        "send": "Send",
        "check_marked": "Please check the questions marked below.",
        "required": "Please choose a score.",
        "csat_range": f"Please choose a score from {CSAT[0]} to {CSAT[1]}.",
        "nps_range": f"Please choose a score from {NPS[0]} to {NPS[1]}.",
        "comment_too_long": f"The comment can be at most {COMMENT_MAX_LENGTH} characters.",
        "comment_characters": "The comment holds characters that cannot be stored.",
        "thanks_title": "Thank you for your feedback!",
        "thanks_body": "We have received your answers.",
        "used_title": "This survey has already been answered",
        "used_body": "Each survey link can be answered once. Thank you for your feedback!",
        "expired_title": "This survey link has expired",
        "expired_body": "The time to answer has passed. Thank you all the same.",
        "unknown_title": "We cannot find this survey",
        "unknown_body": "Please check that the link is complete, or open it again from the message you received.",
        "foreign_title": "This answer could not be sent",
        "foreign_body": "Please open the survey from the link you received and send it from there.",
        "busy_title": "Too many attempts",
        "busy_body": "Please wait a minute and try again.",
        "error_title": "Something went wrong",
        "error_body": "Your answers were not saved; please try again later.",
        "refused_title": "This request could not be handled",
        "refused_body": "Please open the survey again from the link you received.",
    },
}

# The page shown for an HTTP status that is not the survey's own state.
STATUS_PAGES = {403: "foreign", 404: "unknown", 410: "expired", 429: "busy", 500: "error"}
