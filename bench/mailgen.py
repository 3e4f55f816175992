"""Generated requests for the import benchmark: registered clients' mail, strangers, replies, auto-replies."""

from __future__ import annotations

import random
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

SUBJECTS = ["Не работает корзина", "Ошибка 500", "Обновить прайс", "Сайт не открывается", "Вопрос по CMS"]


def write_maildir(root: Path, count: int, *, clients: int = 10_000, seed: int = 11) -> Path:
    rnd = random.Random(seed)
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)
    for n in range(count):
        message = EmailMessage()
        roll = rnd.random()
        sender = f"boss@client{rnd.randrange(clients)}.ru" if roll < 0.85 else f"someone{n}@gmail.com"
        message["From"] = f"Клиент <{sender}>"
        message["To"] = "support@cetera.ru"
        message["Subject"] = f"{rnd.choice(SUBJECTS)} #{n}"
        message["Date"] = format_datetime(start + timedelta(seconds=30 * n))
        message["Message-ID"] = f"<gen-{n}@bench.local>"
        if roll > 0.97:
            message["Auto-Submitted"] = "auto-replied"
        message.set_content(f"Здравствуйте!\nЗаявка номер {n}: {rnd.choice(SUBJECTS).lower()}.\nСпасибо.")
        (root / "new" / f"{1764500000 + n}.{n}.bench").write_bytes(message.as_bytes())
    return root
