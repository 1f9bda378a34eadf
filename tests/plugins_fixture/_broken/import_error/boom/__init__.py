"""A plugin whose import fails: start-up must stop with a message naming it."""

raise RuntimeError("cấu hình hỏng trong plugin thử nghiệm")
