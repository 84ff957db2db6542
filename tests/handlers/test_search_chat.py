"""Learners search in plain French over the sample data, refine, enrol, and set alerts."""

from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Alert, Enrolment
from tests.helpers import plain

FR = translator("fr")


def _labels(entry) -> list[str]:
    return [b.text for row in entry.buttons for b in row]


async def test_from_start_to_enrolment_in_three_messages(loaded, sqlite_engine) -> None:
    chat = loaded
    anne = chat.user()
    await chat.send(anne, "/start")  # message 1
    [results] = await chat.send(anne, "une formation exel pas loin de Ploërmel")  # message 2
    assert "autour de Ploërmel (56)" in results.plain
    assert "Excel" in results.plain
    first = _labels(results)[0]
    assert first.startswith("1. ") and "Excel" in first
    [venue] = await chat.press(anne, index=1, message_id=results.message_id)
    assert venue.kind == "venue"
    [shown] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == results.message_id]
    assert "Quand :" in shown.plain and FR("card.button_enrol") in _labels(shown)
    await chat.press(anne, label=FR("card.button_enrol"), message_id=results.message_id)
    with Session(sqlite_engine) as session:
        assert [e.status for e in session.exec(select(Enrolment))] == ["enrolled"]


async def test_place_is_asked_once_then_remembered(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [ask] = await chat.send(anne, "anglais")
    assert ask.plain == FR("search.ask_place")
    assert ask.reply_keyboard[0][0]["request_location"] is True
    [results] = await chat.send(anne, "Redon")
    assert "anglais" in results.plain.lower() or "Anglais" in results.plain
    assert "Redon (35)" in results.plain
    [again] = await chat.send(anne, "espagnol")  # no place: the remembered home town
    assert "Redon (35)" in again.plain


async def test_shared_location_answers_the_waiting_request(loaded) -> None:
    chat = loaded
    anne = chat.user()
    await chat.send(anne, "secourisme")
    [results] = await chat.do(anne, "share_location", 47.99, -2.33)  # near Mauron/Ploërmel
    assert "SST" in results.plain or "PSC1" in results.plain


async def test_off_topic_request_says_so_and_offers_an_alert(loaded, sqlite_engine) -> None:
    chat = loaded
    anne = chat.user()
    [reply] = await chat.send(anne, "plongée sous-marine près de Redon")
    assert reply.plain.startswith("Je n'ai trouvé aucune formation sur")
    assert _labels(reply) == [FR("search.button_alert")]
    [saved] = await chat.press(anne, label=FR("search.button_alert"), message_id=reply.message_id)
    assert saved.plain.startswith("C'est noté, alerte créée")
    assert "autour de Redon (35), 30 km" in saved.plain
    [listing] = await chat.send(anne, "/alertes")
    assert "« Nautisme et plongée » autour de Redon (35)" in listing.plain  # as confirmed
    await chat.press(anne, index=1, message_id=listing.message_id)
    with Session(sqlite_engine) as session:
        assert session.exec(select(Alert)).all() == []


async def test_unknown_and_ambiguous_places(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [unknown] = await chat.send(anne, "excel à Tataouine")
    assert unknown.plain == plain(FR("search.unknown_place", place="Tataouine"))


def _edited(chat, user, message_id):
    [entry] = [e for e in chat.sandbox.transcript(user.id) if e.message_id == message_id]
    return entry


async def test_radius_opens_its_choices_and_a_choice_searches_with_it(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [results] = await chat.send(anne, "bureautique près de Ploërmel")
    radius_button = FR("search.button_radius", radius=30)
    assert radius_button in _labels(results)
    assert await chat.press(anne, label=radius_button, message_id=results.message_id) == []
    choices = _edited(chat, anne, results.message_id)
    assert choices.edits == 1
    assert _labels(choices) == [
        "10 km",
        FR("search.choice_current", label="30 km"),
        "50 km",
        "100 km",
        FR("search.button_back_to_list"),
    ]
    await chat.press(anne, label="50 km", message_id=results.message_id)
    wider = _edited(chat, anne, results.message_id)
    assert "dans un rayon de 50 km" in wider.plain
    assert FR("search.button_radius", radius=50) in _labels(wider)
    radius_now = FR("search.button_radius", radius=50)
    await chat.press(anne, label=radius_now, message_id=wider.message_id)
    assert FR("search.choice_current", label="50 km") in _labels(
        _edited(chat, anne, results.message_id)
    )
    await chat.press(anne, label=FR("search.button_back_to_list"), message_id=wider.message_id)
    back = _edited(chat, anne, results.message_id)
    assert back.plain == wider.plain and _labels(back) == _labels(wider)


async def test_month_opens_as_asked_all_and_the_next_months(loaded, clock) -> None:
    chat = loaded
    anne = chat.user()
    [march] = await chat.send(anne, "excel près de Ploërmel en mars")
    await chat.press(anne, label=FR("search.button_month_asked"), message_id=march.message_id)
    choices = _labels(_edited(chat, anne, march.message_id))
    assert choices[:2] == [
        FR("search.choice_current", label=FR("search.choice_asked")),
        FR("search.choice_all"),
    ]
    assert len(choices) == 2 + 4 + 1  # as asked, all, this month and the next three, back
    assert choices[-1] == FR("search.button_back_to_list")
    await chat.press(anne, label=FR("search.choice_all"), message_id=march.message_id)
    every = _edited(chat, anne, march.message_id)
    assert FR("search.button_month_any") in _labels(every)
    # Without a time in the request there is no "as asked", and "all" is the one in use.
    [plain_request] = await chat.send(anne, "excel près de Ploërmel")
    await chat.press(
        anne, label=FR("search.button_month_any"), message_id=plain_request.message_id
    )
    choices = _labels(_edited(chat, anne, plain_request.message_id))
    assert choices[0] == FR("search.choice_current", label=FR("search.choice_all"))
    assert FR("search.choice_asked") not in choices
    this_month = choices[1]
    await chat.press(anne, label=this_month, message_id=plain_request.message_id)
    chosen = _edited(chat, anne, plain_request.message_id)
    # Nothing this month even within 100 km: the month stays to be changed, no other topics.
    assert FR("search.button_month", month=this_month) in _labels(chosen)
    assert "même dans un rayon de 100 km" in chosen.plain
    assert _labels(chosen)[0] == FR("search.button_month", month=this_month)


async def test_nothing_within_100_km_offers_the_alert_and_other_topics(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [none] = await chat.send(anne, "caces près de Rieux-Volvestre")
    assert "même dans un rayon de 100 km" in none.plain
    assert "élargir" not in none.plain
    labels = _labels(none)
    assert not any(label.startswith("Rayon") for label in labels)
    assert FR("search.button_alert") in labels and FR("search.button_month_any") in labels
    topic = labels[0]
    assert topic not in (FR("search.button_alert"), FR("search.button_month_any"))
    await chat.press(anne, label=topic, message_id=none.message_id)
    other = _edited(chat, anne, none.message_id)
    assert "autour de Rieux-Volvestre (31)" in other.plain
    assert other.plain.split(" pour ", 1)[1].startswith(topic.split()[0])


async def test_odd_texts_get_a_clear_answer(loaded) -> None:
    chat = loaded
    anne = chat.user()
    for text in ("🙂🙂🙂", "'; DROP TABLE training_session; --", "<script>alert(1)</script>"):
        replies = await chat.send(anne, text)
        assert len(replies) == 1, text
    [long_reply] = await chat.send(anne, "excel " * 700)
    assert long_reply.plain == plain(FR("fallback.too_long"))


async def test_pages_and_the_widened_radius_note(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [results] = await chat.send(anne, "formation près de Ploërmel")  # everything nearby
    assert "Page 1/" in results.plain
    await chat.press(anne, label=FR("search.button_next"), message_id=results.message_id)
    [page2] = [e for e in chat.sandbox.transcript(anne.id) if e.message_id == results.message_id]
    assert "Page 2/" in page2.plain and page2.plain.split("\n")[2].startswith("6. ")
    # No English course within 30 km of Mauriac: widened, and the note names both radii.
    [wide] = await chat.send(anne, "anglais près de Mauriac (15)")
    assert "Rien à moins de 30 km : j'ai élargi la recherche à" in wide.plain


async def test_online_requests_month_label_and_departements_read_right(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [online] = await chat.send(anne, "plongée en ligne près de Redon")
    assert "rayon de 0 km" not in online.plain
    [march] = await chat.send(anne, "excel près de Ploërmel en mars")
    assert FR("search.button_month_asked") in [b.text for row in march.buttons for b in row]
    [dept] = await chat.send(anne, "anglais dans le 56")
    assert "dans le Morbihan (56)" in dept.plain
    [remote] = await chat.send(anne, "anglais à distance près de Redon")
    assert "rayon de 0 km" not in remote.plain
    assert FR("search.button_modality_distanciel") in [
        b.text for row in remote.buttons for b in row
    ]


async def test_english_speakers_read_english_topic_labels(loaded) -> None:
    chat = loaded
    john = chat.user(7, "John", language="en")
    [results] = await chat.send(john, "first aid near Ploërmel")
    assert "for First aid" in results.plain or "for SST" in results.plain
    assert "Secourisme" not in results.plain


async def test_a_list_cut_at_its_best_results_says_there_are_more(
    chat, sqlite_engine, clock
) -> None:
    from datetime import timedelta

    from bot.search.browse import MAX_RESULTS
    from tests.factories import add_session, add_space

    space = add_space(sqlite_engine)
    for day in range(MAX_RESULTS + 10):  # more courses than a list holds
        add_session(
            sqlite_engine,
            now=clock.now(),
            starts_in=timedelta(days=day + 1),
            title=f"Excel atelier {day}",
            space_id=space,
        )
    services = chat.application.bot_data["services"]
    services.search.rebuild(sqlite_engine, now=clock.now())
    [results] = await chat.send(chat.user(), "excel à Ploërmel")
    assert plain(FR("search.capped", count=MAX_RESULTS)) in results.plain
