"""Per-chat update processing: different people concurrently, one person in order."""

import asyncio

from telegram import Chat, Message, Update, User

from bot.updates import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    user = User(chat_id, "x", is_bot=False)
    return Update(update_id, message=Message(update_id, None, chat, from_user=user, text="hi"))


async def test_one_chat_in_order_other_chats_meanwhile() -> None:
    processor = PerChatUpdateProcessor()
    release_first = asyncio.Event()
    order: list[str] = []

    async def slow(name: str) -> None:
        order.append(f"{name} start")
        await release_first.wait()
        order.append(f"{name} end")

    async def quick(name: str) -> None:
        order.append(f"{name} done")

    first = asyncio.create_task(processor.process_update(_update(1, 42), slow("anne-1")))
    second = asyncio.create_task(processor.process_update(_update(2, 42), quick("anne-2")))
    other = asyncio.create_task(processor.process_update(_update(3, 43), quick("bruno")))
    await other  # Bruno is served while Anne's first update is still running
    assert order == ["anne-1 start", "bruno done"]
    release_first.set()
    await asyncio.gather(first, second)
    assert order == ["anne-1 start", "bruno done", "anne-1 end", "anne-2 done"]
    assert processor._locks == {}  # nothing kept once the chats are idle
