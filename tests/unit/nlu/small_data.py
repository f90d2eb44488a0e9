"""A small training set in four languages, written to a folder like ``nlu/data``.
(No tests here.)"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = {
    "en": {
        "balance": [
            "what is my balance",
            "how much money do i have",
            "show balance",
            "balance please",
            "how much is on my account",
            "check my balance",
        ],
        "transfer": [
            "send money to a friend",
            "transfer 50 eur to ivan",
            "pay my friend",
            "send 20 to card",
            "make a transfer",
            "i want to send money",
        ],
        "card_lock": [
            "freeze my card",
            "lock the card",
            "lock my card now",
            "please freeze the card",
            "temporarily block my card",
            "card lock",
        ],
        "greet": ["hi", "hello", "good morning", "hey there", "hello teller", "hi bot"],
    },
    "cs": {
        "balance": [
            "kolik mám na účtu",
            "zůstatek",
            "jaký je můj zůstatek",
            "kolik mám peněz",
            "ukaž zůstatek",
            "stav účtu",
        ],
        "transfer": [
            "pošli peníze kamarádovi",
            "převeď 200 Kč mámě",
            "chci poslat peníze",
            "poslat platbu",
            "převod na účet",
            "pošli 50 eur Petrovi",
        ],
        "card_lock": [
            "zamkni kartu",
            "zablokuj dočasně kartu",
            "zmraz kartu",
            "uzamknout kartu",
            "zamknout moji kartu",
            "pozastav kartu",
        ],
        "greet": ["ahoj", "dobrý den", "čau", "dobré ráno", "zdravím", "nazdar"],
    },
    "ru": {
        "balance": [
            "сколько денег на счету",
            "мой баланс",
            "покажи баланс",
            "какой у меня остаток",
            "баланс пожалуйста",
            "сколько у меня денег",
        ],
        "transfer": [
            "перевести деньги другу",
            "отправь 500 рублей маме",
            "сделать перевод",
            "переведи деньги",
            "хочу отправить деньги",
            "перевод на карту",
        ],
        "card_lock": [
            "заблокируй карту временно",
            "заморозь карту",
            "заблокировать карту",
            "временно заблокировать карту",
            "заморозить мою карту",
            "блок карты",
        ],
        "greet": ["привет", "здравствуйте", "добрый день", "доброе утро", "приветствую", "хай"],
    },
    "uk": {
        "balance": [
            "скільки грошей на рахунку",
            "мій баланс",
            "покажи баланс",
            "який у мене залишок",
            "баланс будь ласка",
            "скільки в мене грошей",
        ],
        "transfer": [
            "переказати гроші другові",
            "надішли 500 грн мамі",
            "зробити переказ",
            "перекажи гроші",
            "хочу надіслати гроші",
            "переказ на картку",
        ],
        "card_lock": [
            "заблокуй картку тимчасово",
            "заморозь картку",
            "заблокувати картку",
            "тимчасово заблокувати картку",
            "заморозити мою картку",
            "блок картки",
        ],
        "greet": ["привіт", "вітаю", "добрий день", "доброго ранку", "здоровенькі були", "хай"],
    },
}


def write_small_data(root: Path) -> Path:
    for language, intents in EXAMPLES.items():
        folder = root / language
        folder.mkdir(parents=True, exist_ok=True)
        lines = ['version: "3.1"', "nlu:"]
        for intent, texts in intents.items():
            lines += [f"  - intent: {intent}", "    examples: |"]
            lines += [f"      - {text}" for text in texts]
        (folder / "commands.yml").write_text("\n".join(lines) + "\n", "utf-8")
    return root
