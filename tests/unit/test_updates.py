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


async def _settle() -> None:
    """Let every ready task run until they all wait (event-loop yields, no real time)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_a_busy_chat_never_holds_the_slots_of_the_others() -> None:
    # Two slots. Anne's first update runs and blocks; her four next ones queue for her turn.
    # Bruno's update must take the free slot at once, not wait behind Anne's queue.
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)
    release = asyncio.Event()
    done: list[str] = []

    async def work(name: str, blocking: bool = False) -> None:
        if blocking:
            await release.wait()
        done.append(name)

    anne = [
        asyncio.create_task(
            processor.process_update(_update(i, 42), work(f"anne-{i}", blocking=i == 1))
        )
        for i in range(1, 6)
    ]
    await _settle()
    bruno = asyncio.create_task(processor.process_update(_update(9, 43), work("bruno")))
    await _settle()
    assert bruno.done() and done == ["bruno"]
    release.set()
    await asyncio.gather(*anne)
    assert done == ["bruno", "anne-1", "anne-2", "anne-3", "anne-4", "anne-5"]


async def test_slots_bound_how_many_chats_run_at_once() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)
    release = asyncio.Event()
    running: list[int] = []

    async def work(chat_id: int) -> None:
        running.append(chat_id)
        await release.wait()

    tasks = [
        asyncio.create_task(processor.process_update(_update(i, 100 + i), work(100 + i)))
        for i in range(5)
    ]
    await _settle()
    assert running == [100, 101]  # the others wait for a slot, in arrival order
    release.set()
    await asyncio.gather(*tasks)
    assert running == [100, 101, 102, 103, 104]
    assert processor._locks == {}
