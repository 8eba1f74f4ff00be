"""drf-spectacular postprocessing: the error answers every operation can give, in the schema.

Views document their success answers; the errors come from shared plumbing (DRF's exception
handler through core.api, the filter backends, the scoped querysets), so they are added
here once for every operation that does not document its own:

- 400: invalid query parameters or body, keyed by field (``{"year": ["“年度”不能小于2000。"]}``);
- 401/403: not signed in / no permission (``{"detail": "..."}``);
- 404: missing or outside the user's scope, or a page past the end (``{"detail": "..."}``).
"""

from __future__ import annotations

ERROR_COMPONENT = "ErrorDetail"
VALIDATION_COMPONENT = "ValidationErrors"

COMPONENTS = {
    ERROR_COMPONENT: {
        "type": "object",
        "description": "错误说明",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_COMPONENT: {
        "type": "object",
        "description": "按字段（参数名）列出的错误信息；与字段无关的错误在 non_field_errors 或 detail 中",
        "additionalProperties": {},
    },
}

ERROR_RESPONSES = {
    "400": ("请求参数或内容有误（按字段列出错误）", VALIDATION_COMPONENT),
    "401": ("未登录或令牌无效", ERROR_COMPONENT),
    "403": ("没有执行此操作的权限", ERROR_COMPONENT),
    "404": ("对象不存在、不在您的数据范围内，或页码超出范围", ERROR_COMPONENT),
}

METHODS = ("get", "put", "post", "patch", "delete")


def document_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: add the shared error answers to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in COMPONENTS.items():
        schemas.setdefault(name, schema)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, (description, component) in ERROR_RESPONSES.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
    return result
